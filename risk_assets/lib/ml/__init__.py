"""Model plumbing shared by every model: artifacts on disk and the registry in the lake."""
