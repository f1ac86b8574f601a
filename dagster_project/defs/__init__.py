"""One package per domain of the library, each owning its assets, checks, partitions, jobs,
schedules and sensors, and assembling them in its `defs()`."""
