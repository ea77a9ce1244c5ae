{# USES_VARIABLES { N, rate, t, _spikespace, _clock_t, _clock_dt,
                    _num_source_neurons, _source_start, _source_stop } #}
{# WRITES_TO_READ_ONLY_VARIABLES { N } #}
{# brianmodel's CUDA device: brian2cuda 1.0b1's population rate monitor, which counts a subgroup's spikes among
   the eventspace's entries below its counter (the thresholder here zeroes the counter only: what lies beyond
   it is an earlier step's). #}
{% extends 'brian2cuda/ratemonitor.cu' %}

{% block kernel %}
__global__ void
_run_kernel_{{codeobj_name}}(
    int32_t current_iteration,
    {% set c_type = c_data_type(variables['rate'].dtype) %}
    {{c_type}}* ratemonitor_rate,
    {% set c_type = c_data_type(variables['t'].dtype) %}
    {{c_type}}* ratemonitor_t,
    ///// KERNEL_PARAMETERS /////
    %KERNEL_PARAMETERS%
    )
{
    using namespace brian;

    ///// KERNEL_CONSTANTS /////
    %KERNEL_CONSTANTS%

    ///// kernel_lines /////
    {{kernel_lines|autoindent}}

    // {{ own_template_mark }} ratemonitor
    const int _num_events = {{_spikespace}}[_num_spikespace - 1];
    int num_spikes = 0;
    if (_num_spikespace - 1 != _num_source_neurons)  // a subgroup
    {
        for (int i = 0; i < _num_events; i++)
        {
            const int spiking_neuron = {{_spikespace}}[i];
            if (_source_start <= spiking_neuron && spiking_neuron < _source_stop)
                num_spikes++;
        }
    }
    else
    {
        num_spikes = _num_events;
    }
    ratemonitor_rate[current_iteration] = 1.0*num_spikes/{{_clock_dt}}/_num_source_neurons;
    ratemonitor_t[current_iteration] = {{_clock_t}};
}
{% endblock %}
