"""The library side of the protocols: what ``protocols/*.py`` (thin command-line scripts) run.

- :mod:`.cli`      what every command shares: logging to the terminal, one line per error
- :mod:`.epsp`     somatic EPSP against synapse location (ball-and-stick cells)
- :mod:`.pairing`  the in-vitro pairing protocol on the model's own synapses (Fig 2)
- :mod:`.sweep`    trainings over a grid of synapse locations and delays, in parallel
- :mod:`.readers`  reading the protocols' tables back (no brian2: figures use it)

Importing this package imports nothing.
"""
