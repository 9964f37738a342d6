"""The flywheel's cycle: curate → sample the wins → choose a method → train → evaluate → gate → canary."""
