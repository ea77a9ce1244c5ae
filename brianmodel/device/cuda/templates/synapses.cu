{# USES_VARIABLES { N, _synaptic_pre} #}
{# brianmodel's CUDA device: a synaptic pathway's effects in a time step, one kernel on a fixed grid.

   brian2cuda copies the delayed eventspace's spike count to the host to size the grid (every step, for every
   pathway), gives each spike 1,024 threads whatever its fan-out, and applies the effects of a pathway whose
   synapses differ in delay from one CUDA block. Here the host waits for nothing: the kernel reads, on the
   GPU, the spike counts of the eventspaces that the pathway's delays reach (one per delay between its
   shortest and longest, synapses_push_spikes.cu), lays the spikes out as (spike, chunk) items and loops over
   them on a grid of at most four blocks per multiprocessor; a chunk is a block's worth of the synapses of
   the spike's bundle (its source neuron and the eventspace's delay). A block has as many threads as the
   largest bundle needs, up to 256, so a large fan-out spreads over several blocks. Effects on neurons are
   atomic (brian2cuda's atomics code generator); a pathway whose effects cannot be made atomic runs on one
   thread. #}
{% extends 'common_synapses.cu' %}
{% set _parallel = uses_atomics or synaptic_effects == "synapse" %}
{% set _eventspace_variable = pathway.variables[pathway.eventspace_name] %}
{% set _eventspace = get_array_name(_eventspace_variable, access_data=False) %}


{% block extra_headers %}
{{ super() }}
#include <vector>
#include "brianlib/brianmodel_synapses.h"
#include "code_objects/{{pathway.name}}_push_spikes.h"
{% endblock %}


{% block kernel %}
__global__ void
_run_kernel_{{codeobj_name}}(
    const int _current_slot,
    const int _num_slots,
    int32_t** _slots,
    const int _num_ages,
    const int _delay_min,
    const int _chunks,
    const int32_t* __restrict__ _synapse_ids,
    const int32_t* __restrict__ _bundle_start,
    const int32_t* __restrict__ _bundle_offset,
    const int32_t* __restrict__ _bundle_delay,
    ///// KERNEL_PARAMETERS /////
    %KERNEL_PARAMETERS%
    )
{
    using namespace brian;
    // _prefix[a]: the spikes in the eventspaces of delays shorter than _delay_min + a; _prefix[_num_ages]: all
    extern __shared__ int _prefix[];
    const int tid = threadIdx.x;
    int _idx = blockIdx.x * blockDim.x + tid;
    int _vectorisation_idx = _idx;

    ///// KERNEL_CONSTANTS /////
    %KERNEL_CONSTANTS%

    ///// kernel_lines /////
    {{kernel_lines|autoindent}}

    ///// scalar_code /////
    {{scalar_code|autoindent}}

    for (int _age = tid; _age < _num_ages; _age += blockDim.x)
        _prefix[_age + 1] = _slots[brianmodel_slot(_current_slot, _delay_min + _age, _num_slots)][{{_eventspace_variable.size - 1}}];
    __syncthreads();
    if (tid == 0)
        brianmodel_prefix_sum(_prefix, _num_ages);
    __syncthreads();

    const int _items = _prefix[_num_ages] * _chunks;
    for (int _item = blockIdx.x; _item < _items; _item += gridDim.x)
    {
        _idx = brianmodel_synapse_of(_item, tid, blockDim.x, _chunks, _prefix, _num_ages, _delay_min, _slots,
                                     _current_slot, _num_slots, {{pathway.source.start}}, {{pathway.source.stop}},
                                     _synapse_ids, _bundle_start, _bundle_offset, _bundle_delay);
        if (_idx < 0)
            continue;
        _vectorisation_idx = _idx;
        {
            ///// vector_code /////
            {{vector_code|autoindent}}
        }
    }
}
{% endblock kernel %}


{% block host_maincode %}
{% endblock %}


{% block prepare_kernel %}
    // {{ own_template_mark }} synapses
    using namespace brianmodel_{{pathway.name}};
    static int num_threads = 0, num_blocks = 0, num_ages = 0, chunks = 0, num_slots = 0;
    static size_t shared_bytes = 0;
    static int32_t** d_slots = NULL;
    static int32_t* configured_for = NULL;
    if (configured_for != d_synapse_ids || num_slots != (int)dev{{_eventspace}}.size())
    {
        // the source's eventspaces (their ring is complete once every pathway's set-up ran)
        num_slots = dev{{_eventspace}}.size();
        std::vector<int32_t*> slots(dev{{_eventspace}}.begin(), dev{{_eventspace}}.end());
        if (d_slots != NULL)
            CUDA_SAFE_CALL(cudaFree(d_slots));
        CUDA_SAFE_CALL(cudaMalloc((void**)&d_slots, sizeof(int32_t*) * num_slots));
        CUDA_SAFE_CALL(cudaMemcpy(d_slots, slots.data(), sizeof(int32_t*) * num_slots, cudaMemcpyHostToDevice));
        int multiprocessors;
        CUDA_SAFE_CALL(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, 0));
        {% if _parallel %}
        // a block's threads: the largest bundle rounded up to warps, 32 to 256
        num_threads = brianmodel_threads(max_bundle_size);
        {% else %}
        // effects on neurons that are not atomic: one thread applies them all, in order
        num_threads = 1;
        {% endif %}
        chunks = std::max(1, (max_bundle_size + num_threads - 1) / num_threads);
        num_ages = delay_max - delay_min + 1;
        {% if _parallel %}
        num_blocks = (int)std::min((long long)4 * multiprocessors, std::max(1LL, (long long)num_sources * chunks));
        {% else %}
        num_blocks = 1;
        {% endif %}
        shared_bytes = sizeof(int) * (num_ages + 1);
        configured_for = d_synapse_ids;
        printf("INFO _run_kernel_{{codeobj_name}}: %d blocks of %d threads, %d chunk(s) per bundle, delays %d-%d "
               "steps\n", num_blocks, num_threads, chunks, delay_min, delay_max);
    }
{% endblock prepare_kernel %}


{% block kernel_call %}
    if (num_bundles > 0)
    {
        _run_kernel_{{codeobj_name}}<<<num_blocks, num_threads, shared_bytes>>>(
            current_idx{{_eventspace}},
            num_slots,
            d_slots,
            num_ages,
            delay_min,
            chunks,
            d_synapse_ids,
            d_bundle_start,
            d_bundle_offset,
            d_bundle_delay,
            ///// HOST_PARAMETERS /////
            %HOST_PARAMETERS%
        );
        CUDA_CHECK_ERROR("_run_kernel_{{codeobj_name}}");
    }
{% endblock kernel_call %}


{% block extra_functions_cu %}
void _debugmsg_{{codeobj_name}}()
{
    using namespace brian;
    std::cout << "Number of synapses: " << {{constant_or_scalar('N', variables['N'])}} << endl;
}
{% endblock %}


{% block extra_functions_h %}
void _debugmsg_{{codeobj_name}}();
{% endblock %}


{% macro main_finalise() %}
_debugmsg_{{codeobj_name}}();
{% endmacro %}
