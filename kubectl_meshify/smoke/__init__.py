"""The cut-over smoke test: the behaviour check's probes sent to a live gateway, each answer judged against
the outcome the emitted Istio configuration should produce (`plan`, `send`, `judge`, `run`; the reports
render it in report/sections/smoke.py)."""
