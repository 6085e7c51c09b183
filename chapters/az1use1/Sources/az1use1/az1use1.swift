// Chapter 5 spreads one training step over several ranks. ProcessGroup.swift states what a
// rank can ask of the others; ThreadTransport.swift carries messages between rank threads of
// one process; Collectives.swift builds the collectives from those messages (the ring, the
// tree); DeviceMesh.swift cuts a world into dp x pp x cp x tp sub-groups. DataParallel.swift
// and ZeRO.swift replicate a model and shard its optimizer; TensorParallel.swift,
// ParallelLinear.swift, VocabParallel.swift and ParallelLlama.swift split its layers.
// Part 2: Pipeline.swift and ContextParallel.swift; Launcher.swift and TCPStore.swift start
// and join processes; NCCL.swift and NCCLProcessGroup.swift run the collectives on GPUs.
@_exported import pt2
