{# USES_VARIABLES { N, delay, _n_sources, _n_targets, _source_dt } #}
{# brianmodel's CUDA device: a synaptic pathway's connectivity, and no spike queue.

   Before the run, the pathway's synapses are sorted by source neuron and, within one, by delay (a counting
   sort: linear in synapses), into bundles: the synapses of one source neuron with one delay. Four arrays go
   to the GPU, each in one copy (brian2cuda copies one per presynaptic neuron):
       synapse_ids   the synapses, bundle after bundle
       bundle_start  [source neurons + 1]: the bundles of source s are bundle_start[s] .. bundle_start[s+1]-1
       bundle_offset [bundles + 1]: the synapses of bundle b are synapse_ids[bundle_offset[b] .. [b+1]-1]
       bundle_delay  [bundles]: the delay of bundle b, in time steps
   and the source group keeps one eventspace per time step of the longest delay (a ring: the thresholder
   writes the step's spikes into the newest). Nothing is pushed in a time step: the pathway's synapses kernel
   (synapses.cu) reads, in each eventspace its delays reach, the spikes whose bundle has that delay. So one
   network, an ensemble of identical copies and an ensemble whose copies have other delays or locations take
   the same path, in parallel. #}
{% extends 'common_group.cu' %}

{% set _eventspace = get_array_name(eventspace_variable, access_data=False) %}

{### BEFORE RUN ###}
{% block before_run_headers %}
#include <algorithm>
#include <chrono>
#include <climits>
#include <iostream>
#include <vector>
#include "objects.h"
#include "code_objects/{{codeobj_name}}.h"
#include "brianlib/cuda_utils.h"
#include "brianlib/brianmodel_synapses.h"
{% endblock before_run_headers %}


{% block define_N %}
{% endblock %}


{% block before_run_host_maincode %}
    // {{ own_template_mark }} synapses_push_spikes (set-up)
    using namespace brianmodel_{{owner.name}};
    const auto start_timer = std::chrono::high_resolution_clock::now();

    ///// HOST_CONSTANTS ///////////
    %HOST_CONSTANTS%

    ///// pointers_lines /////
    {{pointers_lines|autoindent}}

    const int64_t syn_N_check = {{N}};
    if (syn_N_check > INT_MAX)
    {
        printf("ERROR: the pathway {{owner.name}} has more synapses (%ld) than an int holds\n", (long)syn_N_check);
        exit(1);
    }
    const int syn_N = (int)syn_N_check;
    const double dt = {{_source_dt}};
    const int source_N = {{constant_or_scalar('_n_sources', variables['_n_sources'])}};

    {% if '_offset' in owner.source.variables %}
    {% set source_offset = owner.source.variables['_offset'].get_value() %}
    {% else %}
    {% set source_offset = 0 %}
    {% endif %}
    {% set source_ids = get_array_name(owner.synapse_sources, access_data=False) %}
    // each synapse's source neuron (within the pathway's source) and delay in time steps (one value for all
    // when the delay is the Synapses' constant)
    const bool one_delay = {{_dynamic_delay}}.size() == 1;
    std::vector<int> delays(one_delay ? 1 : syn_N);
    for (size_t k = 0; k < delays.size(); k++)
        delays[k] = (int)({{_dynamic_delay}}[k] / dt + 0.5);
    std::vector<int32_t> sources(syn_N);
    for (int syn = 0; syn < syn_N; syn++)
        sources[syn] = {{source_ids}}[syn] - {{source_offset}};
    const BrianModelBundles bundles = brianmodel_bundles(syn_N, source_N, sources.data(), delays.data(), one_delay);
    num_bundles = bundles.bundle_delay.size();
    delay_min = bundles.delay_min;
    delay_max = bundles.delay_max;
    max_bundle_size = bundles.max_bundle_size;
    max_bundles_per_source = bundles.max_bundles_per_source;
    num_sources = source_N;

    // one copy per array
    const std::vector<int32_t>* host[4] = {&bundles.synapse_ids, &bundles.bundle_start, &bundles.bundle_offset,
                                           &bundles.bundle_delay};
    int32_t** device[4] = {&d_synapse_ids, &d_bundle_start, &d_bundle_offset, &d_bundle_delay};
    for (int k = 0; k < 4; k++)
    {
        if (*device[k] != NULL)
            CUDA_SAFE_CALL(cudaFree(*device[k]));
        CUDA_SAFE_CALL(cudaMalloc((void**)device[k], sizeof(int32_t) * std::max(host[k]->size(), (size_t)1)));
        CUDA_SAFE_CALL(cudaMemcpy(*device[k], host[k]->data(), sizeof(int32_t) * host[k]->size(),
                                  cudaMemcpyHostToDevice));
    }
    {{owner.name}}_max_size = max_bundle_size;
    {{owner.name}}_delay = delay_max;
    {{owner.name}}_scalar_delay = (delay_min == delay_max);

    // the source's eventspaces: a ring of one per time step of the longest delay, and the current one. The
    // ring is past-facing (slot current - d: d steps ago), so it grows at its oldest end: the current slot
    // last, the new, empty (oldest) ones before all others.
    {
        const int num_queues = delay_max + 1;
        const int num_eventspaces = dev{{_eventspace}}.size();
        if (num_queues > num_eventspaces)
        {
            std::rotate(dev{{_eventspace}}.begin(), dev{{_eventspace}}.begin() + current_idx{{_eventspace}} + 1,
                        dev{{_eventspace}}.end());
            for (int i = num_eventspaces; i < num_queues; i++)
            {
                {{c_data_type(eventspace_variable.dtype)}}* new_eventspace;
                CUDA_SAFE_CALL(cudaMalloc((void**)&new_eventspace,
                                          sizeof({{c_data_type(eventspace_variable.dtype)}}) * _num_{{_eventspace}}));
                CUDA_SAFE_CALL(cudaMemcpy(new_eventspace, {{_eventspace}},
                                          sizeof({{c_data_type(eventspace_variable.dtype)}}) * _num_{{_eventspace}},
                                          cudaMemcpyHostToDevice));
                dev{{_eventspace}}.insert(dev{{_eventspace}}.begin(), new_eventspace);
            }
            current_idx{{_eventspace}} = num_queues - 1;
        }
    }
    ready = true;
    const double seconds = std::chrono::duration<double>(std::chrono::high_resolution_clock::now() - start_timer).count();
    std::cout << "INFO: {{owner.name}} initialisation took " << seconds << "s (" << syn_N << " synapses, "
              << num_bundles << " bundles, delays " << delay_min << "-" << delay_max << " steps)" << std::endl;
{% endblock before_run_host_maincode %}


{### RUN: nothing to push ###}
{% block kernel %}
{% endblock %}

{% block prepare_kernel %}
{% endblock %}

{% block kernel_call %}
    // {{ own_template_mark }} synapses_push_spikes: nothing is pushed (synapses.cu reads the eventspaces)
{% endblock %}

{% block profiling_start %}
{% endblock %}

{% block profiling_stop %}
{% endblock %}


{% block extra_functions_cu %}
namespace brianmodel_{{owner.name}}
{
    int32_t* d_synapse_ids = NULL;
    int32_t* d_bundle_start = NULL;
    int32_t* d_bundle_offset = NULL;
    int32_t* d_bundle_delay = NULL;
    int num_sources = 0, num_bundles = 0, delay_min = 0, delay_max = 0, max_bundle_size = 0,
        max_bundles_per_source = 0;
    bool ready = false;
}
{% endblock %}


{% block extra_functions_h %}
#include <stdint.h>
// the connectivity of the pathway {{owner.name}} (synapses_push_spikes.cu of brianmodel's CUDA device)
namespace brianmodel_{{owner.name}}
{
    extern int32_t* d_synapse_ids;  // synapses, bundle after bundle
    extern int32_t* d_bundle_start;  // [sources + 1] first bundle of each source neuron
    extern int32_t* d_bundle_offset;  // [bundles + 1] first synapse of each bundle
    extern int32_t* d_bundle_delay;  // [bundles] delay of each bundle, in time steps
    extern int num_sources, num_bundles, delay_min, delay_max, max_bundle_size, max_bundles_per_source;
    extern bool ready;
}
{% endblock %}
