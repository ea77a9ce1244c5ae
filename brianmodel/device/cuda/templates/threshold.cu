{# USES_VARIABLES { N } #}
{# brianmodel's CUDA device: brian2cuda 1.0b1's thresholder, whose eventspace is made ready for the step by
   zeroing its counter (a memset), not by a kernel writing -1 over every neuron: every reader of an eventspace
   here reads the entries below the counter only (reset, spikemonitor, synapses, ratemonitor). On device
   'cuda-graphs' the step before zeroes it, on the GPU. #}
{% extends 'brian2cuda/threshold.cu' %}

{% block extra_kernel_call %}
    {% set _eventspace_name = get_array_name(eventspace_variable, access_data=False) %}
    {% if brianmodel_graphs %}
    // {{ own_template_mark }} threshold: the step's eventspace counter was zeroed at the end of the last step
    // (cuda-graphs: brianlib/brianmodel_graph.h)
    {% else %}
    // {{ own_template_mark }} threshold: the step's eventspace counter zeroed before the threshold kernel
    CUDA_SAFE_CALL(
            cudaMemsetAsync(dev{{_eventspace_name}}[current_idx{{_eventspace_name}}] + _N, 0, sizeof(int32_t))
            );
    {% endif %}
{% endblock extra_kernel_call %}
