"""rescore: blind-judged, versioned reports from raw LLM benchmark runs."""
