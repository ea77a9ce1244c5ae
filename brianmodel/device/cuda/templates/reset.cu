{# USES_VARIABLES { N } #}
{# brianmodel's CUDA device: brian2cuda 1.0b1's reset, on a grid of at most four blocks per multiprocessor that
   loops over the step's spikes (brian2cuda launches a thread per neuron of the group every step). #}
{% extends 'brian2cuda/reset.cu' %}

{% block kernel_maincode %}
    {% set _eventspace = get_array_name(eventspace_variable) %}
    // {{ own_template_mark }} reset
    const int32_t _num_events = {{_eventspace}}[N];
    for (int _event = _vectorisation_idx; _event < _num_events; _event += gridDim.x * blockDim.x)
    {
        //// MAIN CODE ////////////
        // scalar code
        {{scalar_code|autoindent}}

        _idx = {{_eventspace}}[_event];
        _vectorisation_idx = _idx;
        {
            {{vector_code|autoindent}}
        }
    }
{% endblock kernel_maincode %}

{% block modify_kernel_dimensions %}
        // at most four blocks per multiprocessor: the kernel loops over the step's spikes
        int _multiprocessors;
        CUDA_SAFE_CALL(cudaDeviceGetAttribute(&_multiprocessors, cudaDevAttrMultiProcessorCount, 0));
        if (num_blocks > 4 * _multiprocessors)
            num_blocks = 4 * _multiprocessors;
{% endblock modify_kernel_dimensions %}
