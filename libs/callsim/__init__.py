"""Simulated callers: scenario files, a runner over CallGateway.Converse, scoring."""
