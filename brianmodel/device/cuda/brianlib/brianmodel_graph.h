// brianmodel's CUDA device, device 'cuda-graphs': a time step captured once as a CUDA graph and replayed.
//
// A graph freezes its kernels' arguments, so what changes from one time step to the next lives on the GPU:
// the clocks' t and timestep, and the current slot of each eventspace ring (the code objects' kernels receive
// pointers to them, brianmodel/device/cuda/graphs.py). One kernel at the end of a step ticks the step's
// clocks, advances every ring and zeroes the new slots' counters (what the thresholder's memset does on
// device 'cuda'), as the host does with its own copies (network.cu). The first step of each set of due
// clocks runs as it is (the code objects' set-up: grids, buffers, rings); the second is captured into a graph
// on the per-thread default stream (every launch goes there: nvcc --default-stream per-thread); every later
// one is that graph's replay, one launch.
#ifndef BRIANMODEL_GRAPH_H
#define BRIANMODEL_GRAPH_H

#ifndef CUDA_API_PER_THREAD_DEFAULT_STREAM
#error "brianmodel_graph.h needs the per-thread default stream (nvcc --default-stream per-thread): only that stream is captured"
#endif

#include <map>
#include <set>
#include <stdint.h>
#include <thrust/host_vector.h>
#include "brianlib/clocks.h"
#include "brianlib/cuda_utils.h"

namespace brianmodel_graph
{
    // before the step loop, once per run: the network's clocks and eventspace rings (ring: the host's vector of
    // slot pointers; current: the host's current slot; counter: the index of a slot's spike counter)
    void add_clock(BaseClock* clock, double* dev_t, int64_t* dev_timestep, double dt);
    void add_ring(thrust::host_vector<int32_t*>* ring, int current, int counter);
    // then: clocks and current slots copied to the GPU, the current slots' counters zeroed
    void begin_run();

    // kernel arguments: a ring's slots and current slot, on the GPU
    int32_t* const* slots(const thrust::host_vector<int32_t*>& ring);
    const int* current_slot(const thrust::host_vector<int32_t*>& ring);

    // the end of a step of the clocks `due`, on the GPU: their tick, every ring's advance
    void advance(const std::set<BaseClock*>& due);

    // the executable graph of a step of the clocks `due` (NULL until captured), whether that step ran once
    struct Step
    {
        cudaGraphExec_t exec;
        bool seen;
        Step() : exec(NULL), seen(false) {}
    };
    Step& step_of(const std::set<BaseClock*>& due);
    void report_capture(const std::set<BaseClock*>& due, cudaGraph_t graph);

    // one time step of the clocks `due`; `run` calls the code objects of the step (host functions)
    template <typename Run>
    void run_step(const std::set<BaseClock*>& due, Run run)
    {
        Step& step = step_of(due);
        if (step.exec != NULL)
        {
            CUDA_SAFE_CALL(cudaGraphLaunch(step.exec, cudaStreamPerThread));
            return;
        }
        if (!step.seen)  // the first such step: set-up blocks run, nothing captured
        {
            run();
            advance(due);
            step.seen = true;
            return;
        }
        cudaGraph_t graph;
        CUDA_SAFE_CALL(cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeRelaxed));
        run();
        advance(due);
        CUDA_SAFE_CALL(cudaStreamEndCapture(cudaStreamPerThread, &graph));
        CUDA_SAFE_CALL(cudaGraphInstantiate(&step.exec, graph, 0));
        report_capture(due, graph);
        CUDA_SAFE_CALL(cudaGraphDestroy(graph));
        CUDA_SAFE_CALL(cudaGraphLaunch(step.exec, cudaStreamPerThread));
    }
}

#endif
