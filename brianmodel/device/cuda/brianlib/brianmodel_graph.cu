// brianmodel's CUDA device, device 'cuda-graphs': the per-step state on the GPU (brianmodel_graph.h).
#include "brianlib/brianmodel_graph.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace brianmodel_graph
{
    namespace
    {
        const int MAX_CLOCKS = 8;

        struct Clock
        {
            double* t;
            int64_t* timestep;
            double dt;
        };

        // a step's clocks, passed by value (frozen into the step's graph, whose key they are)
        struct DueClocks
        {
            int n;
            double* t[MAX_CLOCKS];
            int64_t* timestep[MAX_CLOCKS];
            double dt[MAX_CLOCKS];
        };

        struct Ring
        {
            thrust::host_vector<int32_t*>* host;
            int current, counter;
            int32_t** slots;  // on the GPU: the ring's slot pointers
        };

        std::map<BaseClock*, Clock> clocks;
        std::vector<Ring> rings;
        int* d_current = NULL;        // every ring's current slot
        int* d_size = NULL;           // every ring's number of slots
        int* d_counter = NULL;        // the index of every ring's counter in a slot
        int32_t*** d_rings = NULL;    // every ring's slots
        std::map<std::set<BaseClock*>, Step> steps;

        const Ring& ring_of(const thrust::host_vector<int32_t*>& ring, int* index)
        {
            for (size_t r = 0; r < rings.size(); r++)
                if (rings[r].host == &ring)
                {
                    *index = (int)r;
                    return rings[r];
                }
            fprintf(stderr, "error: an eventspace ring was not registered before the run (brianmodel_graph)\n");
            exit(4);
        }

        // a step's end: its clocks tick as Clock::tick does on the host; every ring advances to its next slot,
        // whose counter is zeroed (the thresholder of the next step appends from it)
        __global__ void _advance(DueClocks due, const int n_rings, int* current, const int* size, const int* counter,
                                 int32_t** const* ring_slots)
        {
            if (threadIdx.x == 0)
                for (int c = 0; c < due.n; c++)
                {
                    due.timestep[c][0] += 1;
                    due.t[c][0] = due.timestep[c][0] * due.dt[c];
                }
            for (int r = threadIdx.x; r < n_rings; r += blockDim.x)
            {
                const int next = (current[r] + 1) % size[r];
                current[r] = next;
                ring_slots[r][next][counter[r]] = 0;
            }
        }
    }

    void add_clock(BaseClock* clock, double* dev_t, int64_t* dev_timestep, double dt)
    {
        Clock c = {dev_t, dev_timestep, dt};
        clocks[clock] = c;
    }

    void add_ring(thrust::host_vector<int32_t*>* ring, int current, int counter)
    {
        for (size_t r = 0; r < rings.size(); r++)
            if (rings[r].host == ring)
            {
                rings[r].current = current;
                rings[r].counter = counter;
                return;
            }
        Ring r = {ring, current, counter, NULL};
        rings.push_back(r);
    }

    void begin_run()
    {
        for (std::map<BaseClock*, Clock>::iterator c = clocks.begin(); c != clocks.end(); c++)
        {
            CUDA_SAFE_CALL(cudaMemcpy(c->second.t, c->first->t, sizeof(double), cudaMemcpyHostToDevice));
            CUDA_SAFE_CALL(cudaMemcpy(c->second.timestep, c->first->timestep, sizeof(int64_t), cudaMemcpyHostToDevice));
        }
        const int n = (int)rings.size();
        std::vector<int> current(n), size(n), counter(n);
        std::vector<int32_t**> all(n);
        for (int r = 0; r < n; r++)
        {
            Ring& ring = rings[r];
            std::vector<int32_t*> slot_pointers(ring.host->begin(), ring.host->end());
            if (ring.slots != NULL)
                CUDA_SAFE_CALL(cudaFree(ring.slots));
            CUDA_SAFE_CALL(cudaMalloc((void**)&ring.slots, sizeof(int32_t*) * slot_pointers.size()));
            CUDA_SAFE_CALL(cudaMemcpy(ring.slots, slot_pointers.data(), sizeof(int32_t*) * slot_pointers.size(),
                                      cudaMemcpyHostToDevice));
            CUDA_SAFE_CALL(cudaMemset(slot_pointers[ring.current] + ring.counter, 0, sizeof(int32_t)));
            current[r] = ring.current;
            size[r] = (int)slot_pointers.size();
            counter[r] = ring.counter;
            all[r] = ring.slots;
        }
        if (d_current == NULL && n > 0)
        {
            CUDA_SAFE_CALL(cudaMalloc((void**)&d_current, sizeof(int) * n));
            CUDA_SAFE_CALL(cudaMalloc((void**)&d_size, sizeof(int) * n));
            CUDA_SAFE_CALL(cudaMalloc((void**)&d_counter, sizeof(int) * n));
            CUDA_SAFE_CALL(cudaMalloc((void**)&d_rings, sizeof(int32_t**) * n));
        }
        if (n > 0)
        {
            CUDA_SAFE_CALL(cudaMemcpy(d_current, current.data(), sizeof(int) * n, cudaMemcpyHostToDevice));
            CUDA_SAFE_CALL(cudaMemcpy(d_size, size.data(), sizeof(int) * n, cudaMemcpyHostToDevice));
            CUDA_SAFE_CALL(cudaMemcpy(d_counter, counter.data(), sizeof(int) * n, cudaMemcpyHostToDevice));
            CUDA_SAFE_CALL(cudaMemcpy(d_rings, all.data(), sizeof(int32_t**) * n, cudaMemcpyHostToDevice));
        }
        // a graph captured in an earlier run points at this run's slots only if nothing moved: capture again
        for (std::map<std::set<BaseClock*>, Step>::iterator s = steps.begin(); s != steps.end(); s++)
            if (s->second.exec != NULL)
                CUDA_SAFE_CALL(cudaGraphExecDestroy(s->second.exec));
        steps.clear();
    }

    int32_t* const* slots(const thrust::host_vector<int32_t*>& ring)
    {
        int index;
        return ring_of(ring, &index).slots;
    }

    const int* current_slot(const thrust::host_vector<int32_t*>& ring)
    {
        int index;
        ring_of(ring, &index);
        return d_current + index;
    }

    void advance(const std::set<BaseClock*>& due)
    {
        DueClocks d;
        d.n = 0;
        for (std::set<BaseClock*>::const_iterator c = due.begin(); c != due.end(); c++)
        {
            std::map<BaseClock*, Clock>::iterator found = clocks.find(*c);
            if (found == clocks.end())
            {
                fprintf(stderr, "error: a clock of the network was not registered before the run (brianmodel_graph)\n");
                exit(4);
            }
            if (d.n == MAX_CLOCKS)
            {
                fprintf(stderr, "error: more than %d clocks due in one step (brianmodel_graph)\n", MAX_CLOCKS);
                exit(4);
            }
            d.t[d.n] = found->second.t;
            d.timestep[d.n] = found->second.timestep;
            d.dt[d.n] = found->second.dt;
            d.n++;
        }
        _advance<<<1, 32>>>(d, (int)rings.size(), d_current, d_size, d_counter, d_rings);
        CUDA_CHECK_ERROR("brianmodel_graph::_advance");
    }

    Step& step_of(const std::set<BaseClock*>& due)
    {
        return steps[due];
    }

    void report_capture(const std::set<BaseClock*>& due, cudaGraph_t graph)
    {
        size_t nodes = 0;
        CUDA_SAFE_CALL(cudaGraphGetNodes(graph, NULL, &nodes));
        printf("brianmodel-graph clocks %d nodes %zu\n", (int)due.size(), nodes);
    }
}
