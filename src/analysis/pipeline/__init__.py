"""The refresh pipeline: Snakemake runs the parameterised notebooks; this package feeds it the
inputs it decides reruns from, runs one notebook step, and turns a finished DAG into a run."""
