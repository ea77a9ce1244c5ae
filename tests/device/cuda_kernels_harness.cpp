// The synapses kernel of brianmodel's CUDA device (templates/synapses.cu), its grid and blocks played out on
// the CPU over the same functions (brianlib/brianmodel_synapses.h), for tests/device/test_cuda_kernels.py.
//
// stdin:  syn_N source_N group_N spikes_start spikes_stop one_delay steps grid threads(0: the device's)
//         source[syn_N]  delay[syn_N or 1]
//         per step: n, then n neurons of the group (the thresholder's order)
// stdout: "bundles B delay_min delay_max max_bundle_size threads chunks", then per step the synapses the
//         kernel updated, in the order it updated them ("step n: s1 s2 ...")
#include <cstdio>
#include <vector>
#include "brianmodel_synapses.h"

int main()
{
    int syn_N, source_N, group_N, spikes_start, spikes_stop, one_delay, steps, grid, threads;
    if (scanf("%d %d %d %d %d %d %d %d %d", &syn_N, &source_N, &group_N, &spikes_start, &spikes_stop, &one_delay,
              &steps, &grid, &threads) != 9)
        return 2;
    std::vector<int32_t> source(syn_N);
    std::vector<int> delay(one_delay ? 1 : syn_N);
    for (auto& s : source) scanf("%d", &s);
    for (auto& d : delay) scanf("%d", &d);
    const BrianModelBundles b = brianmodel_bundles(syn_N, source_N, source.data(), delay.data(), one_delay);
    if (threads == 0)
        threads = brianmodel_threads(b.max_bundle_size);
    const int chunks = std::max(1, (b.max_bundle_size + threads - 1) / threads);
    printf("bundles %d %d %d %d %d %d\n", (int)b.bundle_delay.size(), b.delay_min, b.delay_max, b.max_bundle_size,
           threads, chunks);
    // the source group's ring of eventspaces (as the device grows it: delay_max + 1 slots)
    const int num_slots = b.delay_max + 1;
    std::vector<std::vector<int32_t>> ring(num_slots, std::vector<int32_t>(group_N + 1, -1));
    std::vector<int32_t*> slots(num_slots);
    for (int k = 0; k < num_slots; k++) { ring[k][group_N] = 0; slots[k] = ring[k].data(); }
    const int num_ages = b.delay_max - b.delay_min + 1;
    int current = num_slots - 1;
    for (int step = 0; step < steps; step++)
    {
        current = (current + 1) % num_slots;  // (network.cu advances the ring after each step)
        int n;
        scanf("%d", &n);
        ring[current][group_N] = n;  // the thresholder: counter, then the spiking neurons
        for (int k = 0; k < n; k++) scanf("%d", &ring[current][k]);
        printf("step %d:", step);
        for (int block = 0; block < grid; block++)  // the kernel, block by block
        {
            std::vector<int> prefix(num_ages + 1);
            for (int age = 0; age < num_ages; age++)
                prefix[age + 1] = slots[brianmodel_slot(current, b.delay_min + age, num_slots)][group_N];
            brianmodel_prefix_sum(prefix.data(), num_ages);
            const int items = prefix[num_ages] * chunks;
            for (int item = block; item < items; item += grid)
                for (int thread = 0; thread < threads; thread++)
                {
                    const int32_t syn = brianmodel_synapse_of(
                        item, thread, threads, chunks, prefix.data(), num_ages, b.delay_min, slots.data(), current,
                        num_slots, spikes_start, spikes_stop, b.synapse_ids.data(), b.bundle_start.data(),
                        b.bundle_offset.data(), b.bundle_delay.data());
                    if (syn >= 0)
                        printf(" %d", syn);
                }
        }
        printf("\n");
    }
    return 0;
}
