"""The control plane: what turns ``gitops/`` into checked, running configuration.

- :mod:`controlplane.slo_spec`: the SLO spec (``gitops/slo/slos.yaml``) as typed data.
- :mod:`controlplane.slo_rules`: recording rules, burn-rate and runbook alerts, and their promtool
  tests, generated from the spec.
- :mod:`controlplane.slo_report`: each SLO's indicator, budget and burn rates read from Prometheus.
- :mod:`controlplane.prometheus`: the Prometheus and promtool binaries, a local server, queries.
"""
