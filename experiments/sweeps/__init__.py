"""One run and sweeps of runs: the job, its result files, a sweep's progress, collecting a sweep."""
