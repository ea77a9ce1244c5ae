{# USES_VARIABLES { _synaptic_pre, _synaptic_post, rand,
                    N_incoming, N_outgoing, N,
                    N_pre, N_post, _source_offset, _target_offset } #}
{# WRITES_TO_READ_ONLY_VARIABLES { _synaptic_pre, _synaptic_post,
                                   N_incoming, N_outgoing, N} #}
{# brianmodel's CUDA device: brian2cuda 1.0b1's synapse creation without its std::map of every (pre, post)
   pair, which only its serial non-atomic effect kernels read (device.py: drop_duplicate_pair_check). #}
{% extends 'brian2cuda/synapses_create_generator.cu' %}

{% block host_maincode %}
    // {{ own_template_mark }} synapses_create_generator
{{ super() | drop_duplicate_pair_check(multisynaptic_index) }}
{% endblock host_maincode %}
