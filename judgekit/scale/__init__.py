"""Scale-out runners on existing engines (Ray Data + vLLM). Optional extras."""
