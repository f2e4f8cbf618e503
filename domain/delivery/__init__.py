"""Results and Delivery: priorities, targets with trajectories, ratings (oss-domain.md §6)."""
