"""The control plane: what turns ``gitops/`` into checked, running configuration.

- :mod:`controlplane.slo_spec`: the SLO spec (``gitops/slo/slos.yaml``) as typed data.
- :mod:`controlplane.slo_rules`: recording rules, burn-rate and runbook alerts, and their promtool
  tests, generated from the spec.
- :mod:`controlplane.slo_report`: each SLO's indicator, budget and burn rates read from Prometheus.
- :mod:`controlplane.prometheus`: the Prometheus and promtool binaries, a local server, queries.
- :mod:`controlplane.flag_spec`: the flags files (``gitops/flags/<env>.yaml``) as typed data, and
  the bootstrap files generated from them.
- :mod:`controlplane.flag_sync`: those files applied to Unleash through its admin API; kill.
- :mod:`controlplane.flag_edit`: ``frontdesk flags set`` / ``kill`` edits to the files, committed.
- :mod:`controlplane.argoexpr`: Argo Rollouts' analysis conditions (expr-lang) evaluated offline.
- :mod:`controlplane.analysis_phase`: Argo Rollouts' analysis semantics, pure: measurements ->
  metric and run phases, schedule.
- :mod:`controlplane.analysis_template`: AnalysisTemplates found by name, args substituted.
- :mod:`controlplane.analysis_run`: a template's metrics run against a Prometheus (``frontdesk
  rollout analyze``).
- :mod:`controlplane.rollout_edit` / :mod:`controlplane.rollout_tree`: ``frontdesk rollout``
  set-image / promote / abort as overlay edits, committed; status.
"""
