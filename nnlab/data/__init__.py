"""The data sets: where the images come from, loaded as shared read-only uint8 arrays."""
