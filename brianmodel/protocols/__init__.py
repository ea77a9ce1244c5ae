"""The library side of the protocols: what ``protocols/*.py`` (thin command-line scripts) run.

- :mod:`.epsp`             somatic EPSP against synapse location (ball-and-stick cells)
- :mod:`.pairing`          the in-vitro pairing protocol on the model's own synapses (Fig 2), frequencies
- :mod:`.modulation`       a three-factor rule's eligibility and reward
- :mod:`.sweep`            trainings over a grid of run-time values (locations, delays, rates), in ensembles
- :mod:`.rule_comparison`  the network trained with other pairs of rules
- :mod:`.rule_search`      CMA-ES over pair windows
- :mod:`.study`            what the multi-training ones share (resume, a row per point, failed points)

What every command shares (one line per error, progress on the terminal) is :mod:`brianmodel.cli`; reading the
protocols' tables back without brian2, :mod:`brianmodel.readers`. Importing this package imports nothing.
"""
