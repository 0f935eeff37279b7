"""Draw: why the network answers what it answers."""
