// brianmodel's CUDA device: a synaptic pathway's connectivity and how a time step finds the synapses to update.
//
// Shared by the templates synapses_push_spikes.cu (set-up, on the host) and synapses.cu (the kernel), and
// compiled on the CPU by tests/device/test_cuda_kernels.py, which checks this very code against the
// definition of a delayed spike: every synapse whose source neuron spiked `delay` steps ago, exactly once.
//
// Connectivity ("bundles": the synapses of one source neuron with one delay):
//     synapse_ids   the synapses, bundle after bundle (by source neuron, then delay; stable)
//     bundle_start  [sources + 1]: the bundles of source s are bundle_start[s] .. bundle_start[s+1]-1
//     bundle_offset [bundles + 1]: the synapses of bundle b are synapse_ids[bundle_offset[b] .. [b+1]-1]
//     bundle_delay  [bundles]: the delay of bundle b, in time steps (ascending within a source)
// A time step: the source group's eventspaces form a ring (slot current_slot holds this step's spikes, slot
// current_slot - d those of d steps ago), each an array of spiking neurons followed, at count_index, by their
// number. The spikes of the ages delay_min .. delay_max are laid out one after another (prefix[a]: the
// spikes of ages below a), each in `chunks` items of `threads` synapses of its bundle with that delay.
#ifndef BRIANMODEL_SYNAPSES_H
#define BRIANMODEL_SYNAPSES_H

#include <stdint.h>

#ifdef __CUDACC__
#define BRIANMODEL_HD __host__ __device__
#else
#define BRIANMODEL_HD
#endif

// the ring's slot of the eventspace of `age` steps ago (age < num_slots)
BRIANMODEL_HD inline int brianmodel_slot(int current_slot, int age, int num_slots)
{
    return (current_slot - age + num_slots) % num_slots;
}

// prefix[0] = 0, prefix[a + 1] = spikes of the ages delay_min .. delay_min + a (counts: prefix[1..num_ages])
BRIANMODEL_HD inline void brianmodel_prefix_sum(int* prefix, int num_ages)
{
    prefix[0] = 0;
    for (int a = 1; a <= num_ages; a++)
        prefix[a] += prefix[a - 1];
}

// the age (0 .. num_ages-1) of the spike of rank `rank` (0 <= rank < prefix[num_ages]): the last age with
// fewer spikes before it than the rank (an age without spikes is never returned)
BRIANMODEL_HD inline int brianmodel_age_of(const int* prefix, int num_ages, int rank)
{
    int low = 0, high = num_ages - 1;
    while (low < high)
    {
        const int middle = (low + high + 1) / 2;
        if (prefix[middle] <= rank)
            low = middle;
        else
            high = middle - 1;
    }
    return low;
}

// The synapse that thread `thread` (of `threads`) handles in work item `item`, or -1 (nothing to do):
// item = rank * chunks + chunk; the spike of that rank, its bundle of the spike's age, the chunk's synapse.
BRIANMODEL_HD inline int32_t brianmodel_synapse_of(
    int item, int thread, int threads, int chunks, const int* prefix, int num_ages, int delay_min,
    int32_t* const* slots, int current_slot, int num_slots, int spikes_start, int spikes_stop,
    const int32_t* synapse_ids, const int32_t* bundle_start, const int32_t* bundle_offset,
    const int32_t* bundle_delay)
{
    const int rank = item / chunks;
    const int chunk = item - rank * chunks;
    const int age = brianmodel_age_of(prefix, num_ages, rank);
    const int delay = delay_min + age;
    const int32_t neuron = slots[brianmodel_slot(current_slot, delay, num_slots)][rank - prefix[age]];
    if (neuron < spikes_start || neuron >= spikes_stop)
        return -1;  // a spike of the group outside this pathway's subgroup
    const int source = neuron - spikes_start;
    int bundle = bundle_start[source];
    const int end = bundle_start[source + 1];
    while (bundle < end && bundle_delay[bundle] < delay)
        bundle++;
    if (bundle == end || bundle_delay[bundle] != delay)
        return -1;  // none of the neuron's synapses has this delay
    const int first = bundle_offset[bundle];
    const int j = chunk * threads + thread;
    if (j >= bundle_offset[bundle + 1] - first)
        return -1;
    return synapse_ids[first + j];
}

// (host only; nvcc parses host code in its device pass too, so no __CUDA_ARCH__ guard)
#include <algorithm>
#include <climits>
#include <vector>

// The bundles of a pathway's synapses (host, before the run): a counting sort by source neuron (stable, linear
// in synapses), then by delay within a source where its synapses differ in delay. `source[syn]` in
// 0 .. source_N-1; `delay[syn]` in time steps (`one_delay`: delay[0] for every synapse).
struct BrianModelBundles
{
    std::vector<int32_t> synapse_ids, bundle_start, bundle_offset, bundle_delay;
    int delay_min = 0, delay_max = 0, max_bundle_size = 0, max_bundles_per_source = 0;
};

inline BrianModelBundles brianmodel_bundles(int syn_N, int source_N, const int32_t* source, const int* delay,
                                            bool one_delay)
{
    BrianModelBundles out;
    std::vector<int32_t> start(source_N + 1, 0);
    for (int syn = 0; syn < syn_N; syn++)
        start[source[syn] + 1]++;
    for (int s = 0; s < source_N; s++)
        start[s + 1] += start[s];
    out.synapse_ids.resize(syn_N);
    {
        std::vector<int32_t> next(start.begin(), start.end() - 1);
        for (int syn = 0; syn < syn_N; syn++)
            out.synapse_ids[next[source[syn]]++] = syn;
    }
    auto delay_of = [&](int32_t syn) { return one_delay ? delay[0] : delay[syn]; };
    out.bundle_start.assign(source_N + 1, 0);
    out.bundle_offset.reserve(source_N + 1);
    out.bundle_delay.reserve(source_N);
    out.delay_min = INT_MAX;
    for (int s = 0; s < source_N; s++)
    {
        int32_t* first = out.synapse_ids.data() + start[s];
        int32_t* last = out.synapse_ids.data() + start[s + 1];
        if (!std::is_sorted(first, last, [&](int32_t a, int32_t b) { return delay_of(a) < delay_of(b); }))
            std::stable_sort(first, last, [&](int32_t a, int32_t b) { return delay_of(a) < delay_of(b); });
        out.bundle_start[s] = out.bundle_delay.size();
        for (int32_t* k = first; k < last; k++)
        {
            const int d = delay_of(*k);
            if (k == first || d != out.bundle_delay.back())
            {
                out.bundle_offset.push_back(k - out.synapse_ids.data());
                out.bundle_delay.push_back(d);
            }
            out.delay_min = std::min(out.delay_min, d);
            out.delay_max = std::max(out.delay_max, d);
        }
        out.max_bundles_per_source = std::max(out.max_bundles_per_source,
                                              (int)out.bundle_delay.size() - out.bundle_start[s]);
    }
    const int bundles = out.bundle_delay.size();
    out.bundle_start[source_N] = bundles;
    out.bundle_offset.push_back(syn_N);
    for (int b = 0; b < bundles; b++)
        out.max_bundle_size = std::max(out.max_bundle_size, out.bundle_offset[b + 1] - out.bundle_offset[b]);
    if (bundles == 0)
        out.delay_min = out.delay_max = 0;
    return out;
}

// A block's threads for bundles of up to `max_bundle_size` synapses: rounded up to warps, 32 to 256
inline int brianmodel_threads(int max_bundle_size)
{
    return std::min(256, std::max(32, (max_bundle_size + 31) / 32 * 32));
}

#endif  // BRIANMODEL_SYNAPSES_H
