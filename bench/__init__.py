"""Benchmarks of the ingestion path at national scale; they print `name: value` lines, never assert."""
