// What the pieces of a CUDA time step cost on this GPU: the calibration of docs/gpu.md (benchmarks/gpu/run.sh,
// stage 2; compiled by prebuild.py for sm_90 and carried, or there by stages.py calibrate).
//
//   launch              an empty kernel, launched back to back (the host's launch rate)
//   launch + sync       a kernel, then cudaDeviceSynchronize
//   copy 4 B pageable   cudaMemcpy of an int to pageable host memory (what brian2cuda does per pathway and
//                       spike monitor every step); pinned: to cudaMallocHost memory
//   resize              thrust::device_vector<double> grown by one element (brian2cuda's spike monitors)
//   stock quiet step    a replica of brian2cuda's step without spikes: 14 kernels, 12 such copies, 4 kernels
//   stock kernels graph the same 18 kernels as one CUDA graph, launched once per step
//   brianmodel step     brianmodel's device: 26 kernels (the synapses' on a grid of 4 blocks per multiprocessor
//                       that read a count and leave) and 4 memsets, no copy
//   brianmodel graph    the same as one CUDA graph
//   synapses grid       one synapses kernel of a quiet step on the fixed grid, and on a grid of 8 blocks
// Each figure: microseconds per item, wall clock over many items after a synchronisation.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thrust/device_vector.h>
#include <vector>

#define CHECK(call)                                                                                  \
    do {                                                                                             \
        cudaError_t e = (call);                                                                      \
        if (e != cudaSuccess) {                                                                      \
            fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e));     \
            exit(1);                                                                                 \
        }                                                                                            \
    } while (0)

__global__ void empty() {}

// a neuron group's update: a few flops per neuron
__global__ void update(double* v, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        v[i] = v[i] * 0.99 + 0.001;
}

// a synapses kernel of a quiet step: read the spike counts, find none, leave (as brianmodel's synapses.cu)
__global__ void synapses(const int* count)
{
    __shared__ int spikes;
    if (threadIdx.x == 0)
        spikes = *count;
    __syncthreads();
    for (int item = blockIdx.x; item < spikes; item += gridDim.x) {}
}

using clock_type = std::chrono::steady_clock;

static double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct Buffers
{
    double* v;
    int* count;
    int* host_pinned;
    int multiprocessors;
};

// brian2cuda's quiet step: 14 kernels, 12 blocking 4-byte copies, 4 kernels
static void stock_step(Buffers& b, cudaStream_t stream, bool copies)
{
    const int sizes[6] = {1568, 200, 40, 20, 1, 1};
    for (int k = 0; k < 6; k++)  // state updaters
        update<<<(sizes[k] + 255) / 256, 256, 0, stream>>>(b.v, sizes[k]);
    for (int k = 0; k < 8; k++)  // thresholders: reset kernel and threshold kernel
        update<<<(sizes[k / 2] + 255) / 256, 256, 0, stream>>>(b.v, sizes[k / 2]);
    int host;
    for (int k = 0; copies && k < 12; k++)  // 4 spike monitors, 8 synaptic pathways: the spike count
        CHECK(cudaMemcpy(&host, b.count, sizeof(int), cudaMemcpyDeviceToHost));
    for (int k = 0; k < 4; k++)  // spike resetters
        update<<<(sizes[k] + 255) / 256, 256, 0, stream>>>(b.v, 0);
}

// brianmodel's step: 26 kernels, 4 memsets
static void brianmodel_step(Buffers& b, cudaStream_t stream)
{
    const int sizes[6] = {1568, 200, 40, 20, 1, 1};
    for (int k = 0; k < 6; k++)
        update<<<(sizes[k] + 255) / 256, 256, 0, stream>>>(b.v, sizes[k]);
    for (int k = 0; k < 4; k++)
    {
        CHECK(cudaMemsetAsync(b.count + 1, 0, sizeof(int), stream));
        update<<<(sizes[k] + 255) / 256, 256, 0, stream>>>(b.v, sizes[k]);
    }
    for (int k = 0; k < 4; k++)  // spike monitors
        synapses<<<(sizes[k] + 255) / 256, 256, 0, stream>>>(b.count);
    for (int k = 0; k < 8; k++)  // synaptic pathways
        synapses<<<4 * b.multiprocessors, 224, 0, stream>>>(b.count);
    for (int k = 0; k < 4; k++)  // spike resetters
        synapses<<<1, 256, 0, stream>>>(b.count);
}

template <typename F>
static double per_item(int items, F&& body)
{
    CHECK(cudaDeviceSynchronize());
    const auto start = clock_type::now();
    for (int i = 0; i < items; i++)
        body();
    CHECK(cudaDeviceSynchronize());
    return 1e6 * seconds_since(start) / items;
}

static cudaGraphExec_t capture(cudaStream_t stream, void (*step)(Buffers&, cudaStream_t), Buffers& b)
{
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    step(b, stream);
    CHECK(cudaStreamEndCapture(stream, &graph));
    CHECK(cudaGraphInstantiate(&exec, graph, 0));
    return exec;
}

static void stock_kernels(Buffers& b, cudaStream_t stream) { stock_step(b, stream, false); }

int main()
{
    cudaDeviceProp props;
    CHECK(cudaGetDeviceProperties(&props, 0));
    Buffers b;
    b.multiprocessors = props.multiProcessorCount;
    CHECK(cudaMalloc(&b.v, 4096 * sizeof(double)));
    CHECK(cudaMemset(b.v, 0, 4096 * sizeof(double)));
    CHECK(cudaMalloc(&b.count, 2 * sizeof(int)));
    CHECK(cudaMemset(b.count, 0, 2 * sizeof(int)));
    CHECK(cudaMallocHost(&b.host_pinned, sizeof(int)));
    cudaStream_t stream;
    CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    printf("calibration: %s, %d multiprocessors; microseconds per item, wall clock\n", props.name,
           props.multiProcessorCount);
    const int n = 20000, steps = 2000;
    per_item(1000, [] { empty<<<1, 32>>>(); });  // warm up
    printf("%-52s %9.2f\n", "launch (empty kernel, back to back)", per_item(n, [] { empty<<<1, 32>>>(); }));
    printf("%-52s %9.2f\n", "launch + cudaDeviceSynchronize",
           per_item(n, [] { empty<<<1, 32>>>(); CHECK(cudaDeviceSynchronize()); }));
    int host;
    printf("%-52s %9.2f\n", "cudaMemcpy 4 B device to pageable host",
           per_item(n, [&] { CHECK(cudaMemcpy(&host, b.count, sizeof(int), cudaMemcpyDeviceToHost)); }));
    printf("%-52s %9.2f\n", "cudaMemcpy 4 B device to pinned host",
           per_item(n, [&] { CHECK(cudaMemcpy(b.host_pinned, b.count, sizeof(int), cudaMemcpyDeviceToHost)); }));
    printf("%-52s %9.2f\n", "kernel + cudaMemcpy 4 B to pageable host",
           per_item(n, [&] { empty<<<1, 32>>>(); CHECK(cudaMemcpy(&host, b.count, sizeof(int),
                                                               cudaMemcpyDeviceToHost)); }));
    thrust::device_vector<double> monitor;
    printf("%-52s %9.2f\n", "thrust device_vector<double> resize by one",
           per_item(steps, [&] { monitor.resize(monitor.size() + 1); }));
    printf("%-52s %9.2f\n", "thrust device_vector<double> resize to its size",
           per_item(n, [&] { monitor.resize(monitor.size()); }));
    printf("%-52s %9.2f\n", "stock quiet step (18 kernels, 12 blocking copies)",
           per_item(steps, [&] { stock_step(b, 0, true); }));
    printf("%-52s %9.2f\n", "stock step's 18 kernels alone",
           per_item(steps, [&] { stock_step(b, 0, false); }));
    cudaGraphExec_t stock = capture(stream, stock_kernels, b);
    printf("%-52s %9.2f\n", "stock step's 18 kernels as one graph",
           per_item(steps, [&] { CHECK(cudaGraphLaunch(stock, stream)); }));
    printf("%-52s %9.2f\n", "brianmodel step (26 kernels, 4 memsets)",
           per_item(steps, [&] { brianmodel_step(b, 0); }));
    printf("%-52s %9.2f\n", "brianmodel step on a non-blocking stream",
           per_item(steps, [&] { brianmodel_step(b, stream); }));
    cudaGraphExec_t ours = capture(stream, brianmodel_step, b);
    printf("%-52s %9.2f\n", "brianmodel step as one graph",
           per_item(steps, [&] { CHECK(cudaGraphLaunch(ours, stream)); }));
    printf("%-52s %9.2f\n", "synapses kernel, quiet, 4 blocks per multiprocessor",
           per_item(n, [&] { synapses<<<4 * b.multiprocessors, 224>>>(b.count); }));
    printf("%-52s %9.2f\n", "synapses kernel, quiet, 8 blocks",
           per_item(n, [&] { synapses<<<8, 224>>>(b.count); }));
    return 0;
}
