"""The answer path: records, the declared list of stages, and the stages."""
