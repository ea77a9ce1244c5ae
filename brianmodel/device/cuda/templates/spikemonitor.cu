{# USES_VARIABLES { N, count, _source_start, _source_stop, _source_idx} #}
{# WRITES_TO_READ_ONLY_VARIABLES { N, count } #}
{# brianmodel's CUDA device: a spike (event) monitor that records into buffers sized before the run.

   brian2cuda copies the step's event count to the host and grows the monitor's arrays every step with
   events: the host waits for the GPU every step. Here the arrays are grown once, when the run starts, to
   hold the events the simulator asks for (environment BRIANMODEL_SPIKE_CAPACITY, 'name=events,...';
   brianmodel.device.spike_buffers), and a kernel on a fixed grid reads the count on the GPU and appends at a
   cursor there. After the run, the cursor comes back once: the arrays shrink to what was recorded, and the
   binary prints 'brianmodel-spikes NAME RECORDED CAPACITY'; more events than the buffer held stop it with an
   error before anything is written. Within a step, events are recorded in the order the threads reach the
   cursor (brian2cuda: the eventspace's order, itself set by atomics): time order holds across steps. #}
{% extends 'common_group.cu' %}
{% set _eventspace = get_array_name(eventspace_variable, access_data=False) %}
{% set _is_subgroup = owner.source.__class__.__name__ == 'Subgroup' %}


{% block extra_headers %}
#include <cstdlib>
#include <iostream>
#include <string>
{% endblock %}


{% block extra_device_helper %}
// events the monitor may record in this run: from the environment, else the rate bound of
// brianmodel.device.spike_buffers (100 Hz per source neuron)
long long _brianmodel_capacity(const char* name, long long fallback)
{
    const char* spec = getenv("BRIANMODEL_SPIKE_CAPACITY");
    if (spec == NULL)
        return fallback;
    const std::string text(spec), key = std::string(name) + "=";
    size_t start = 0;
    while (start < text.size())
    {
        size_t end = text.find(',', start);
        if (end == std::string::npos)
            end = text.size();
        if (text.compare(start, key.size(), key) == 0)
            return atoll(text.substr(start + key.size(), end - start - key.size()).c_str());
        start = end + 1;
    }
    return fallback;
}
{% endblock extra_device_helper %}


{% block kernel %}
__global__ void
_run_kernel_{{codeobj_name}}(
    int32_t* _eventspace,
    unsigned long long* _cursor,
    const long long _capacity,
    const long long _base,
    {% for varname, var in record_variables.items() %}
    {{c_data_type(var.dtype)}}* _buffer_{{varname}},
    {% endfor %}
    ///// KERNEL_PARAMETERS /////
    %KERNEL_PARAMETERS%
    )
{
    using namespace brian;

    ///// KERNEL_CONSTANTS /////
    %KERNEL_CONSTANTS%

    ///// kernel_lines /////
    {{kernel_lines|autoindent}}

    ///// scalar_code /////
    {{scalar_code|autoindent}}

    // the step's events, read on the GPU
    const int _num_events = _eventspace[_num{{eventspace_variable.name}} - 1];
    for (int _event = blockIdx.x * blockDim.x + threadIdx.x; _event < _num_events; _event += gridDim.x * blockDim.x)
    {
        int _idx = _eventspace[_event];
        {% if _is_subgroup %}
        if (_idx < {{_source_start}} || _idx >= {{_source_stop}})
            continue;
        {% endif %}
        int _vectorisation_idx = _idx;
        {
            ///// vector_code /////
            {{vector_code|autoindent}}

            {% if record_variables %}
            const unsigned long long _slot = atomicAdd(_cursor, 1ULL);
            if (_slot < (unsigned long long)_capacity)
            {
                {% for varname, var in record_variables.items() %}
                _buffer_{{varname}}[_base + _slot] = _to_record_{{varname}};
                {% endfor %}
            }
            {% endif %}
        }
        {{count}}[_idx - _source_start]++;
    }
}
{% endblock kernel %}


{% block define_N %}
{% endblock %}


{% block prepare_kernel %}
    // {{ own_template_mark }} spikemonitor
    using namespace brianmodel_{{codeobj_name}};
    if (!armed)  // the run's first step: the buffers for the whole run
    {
        int _multiprocessors;
        CUDA_SAFE_CALL(cudaDeviceGetAttribute(&_multiprocessors, cudaDevAttrMultiProcessorCount, 0));
        num_threads = 256;
        num_blocks = ({{owner.source.N}} + num_threads - 1) / num_threads;
        if (num_blocks > 4 * _multiprocessors)
            num_blocks = 4 * _multiprocessors;
        {% if record_variables %}
        {% set first = get_array_name(record_variables.values() | first, access_data=False, prefix='dev') %}
        base = {{first}}.size();
        const double _steps = (double)({{owner.clock.name}}.i_end - {{owner.clock.name}}.timestep[0]);
        const long long _fallback = 1024 + (long long)(100.0 * _steps * {{owner.clock.name}}.dt[0] * {{owner.source.N}});
        capacity = _brianmodel_capacity("{{owner.name}}", _fallback);
        {% for varname, var in record_variables.items() %}
        {% set dev_array_name = get_array_name(var, access_data=False, prefix='dev') %}
        THRUST_CHECK_ERROR({{dev_array_name}}.resize(base + capacity));
        buffer_{{varname}} = thrust::raw_pointer_cast(&{{dev_array_name}}[0]);
        {% endfor %}
        {% endif %}
        if (cursor == NULL)
            CUDA_SAFE_CALL(cudaMalloc((void**)&cursor, sizeof(unsigned long long)));
        CUDA_SAFE_CALL(cudaMemset(cursor, 0, sizeof(unsigned long long)));
        armed = true;
    }
{% endblock prepare_kernel %}


{% block kernel_call %}
    _run_kernel_{{codeobj_name}}<<<num_blocks, num_threads>>>(
            dev{{_eventspace}}[current_idx{{_eventspace}}],
            cursor,
            capacity,
            base,
            {% for varname, var in record_variables.items() %}
            buffer_{{varname}},
            {% endfor %}
            ///// HOST_PARAMETERS /////
            %HOST_PARAMETERS%
        );
    CUDA_CHECK_ERROR("_run_kernel_{{codeobj_name}}");
{% endblock kernel_call %}


{% block extra_functions_cu %}
namespace brianmodel_{{codeobj_name}}
{
    bool armed = false;
    unsigned long long* cursor = NULL;
    long long capacity = 0, base = 0;
    int num_threads = 0, num_blocks = 0;
    {% for varname, var in record_variables.items() %}
    {{c_data_type(var.dtype)}}* buffer_{{varname}} = NULL;
    {% endfor %}
}

void _debugmsg_{{codeobj_name}}()
{
    using namespace brian;
    printf("Number of spikes: %d\n", _array_{{owner.name}}_N[0]);
}
{% endblock %}


{% block extra_functions_h %}
#include <stdint.h>
// the monitor's buffers in this run (spikemonitor.cu of brianmodel's CUDA device)
namespace brianmodel_{{codeobj_name}}
{
    extern bool armed;
    extern unsigned long long* cursor;
    extern long long capacity, base;
    extern int num_threads, num_blocks;
    {% for varname, var in record_variables.items() %}
    extern {{c_data_type(var.dtype)}}* buffer_{{varname}};
    {% endfor %}
}
void _debugmsg_{{codeobj_name}}();
{% endblock %}


{% macro main_finalise() %}
_debugmsg_{{codeobj_name}}();
{% endmacro %}


{### AFTER RUN ###}
{% block after_run_headers %}
#include "code_objects/{{codeobj_name}}.h"
#include "objects.h"
#include "brianlib/cuda_utils.h"
#include <cstdlib>
#include <iostream>
{% endblock after_run_headers %}

{% block after_run_host_maincode %}
    // {{ own_template_mark }} spikemonitor: what the run recorded comes back once
    using namespace brianmodel_{{codeobj_name}};
    if (!armed)
        return;
    armed = false;
    unsigned long long recorded = 0;
    CUDA_SAFE_CALL(cudaMemcpy(&recorded, cursor, sizeof(unsigned long long), cudaMemcpyDeviceToHost));
    {% if record_variables %}
    std::cout << "brianmodel-spikes {{owner.name}} " << recorded << " " << capacity << std::endl;
    if (recorded > (unsigned long long)capacity)
    {
        std::cerr << "error: spike monitor {{owner.name}} recorded " << recorded << " events, more than its buffer "
                  << "of " << capacity << " (BRIANMODEL_SPIKE_CAPACITY): nothing was written" << std::endl;
        exit(3);
    }
    {% for varname, var in record_variables.items() %}
    {% set dev_array_name = get_array_name(var, access_data=False, prefix='dev') %}
    THRUST_CHECK_ERROR({{dev_array_name}}.resize(base + recorded));
    {% endfor %}
    _array_{{owner.name}}_N[0] = base + recorded;
    {% endif %}
{% endblock after_run_host_maincode %}
