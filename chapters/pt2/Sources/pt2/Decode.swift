import Synchronization

// A compiled decode step (`picograd generate --compile`): lego's cached step, whose positions,
// ids and cache are all tensors (`Llama.forward(_:positions:span:cache:)`), traced once per
// span and reused at every position of that span. The span (the cache rows attention reads)
// is a shape, so it is part of what a program is specialized for: it doubles at powers of
// two, so a generation of n tokens traces about log2(n) programs. The cache's tensors are
// captured parameters; its write (an indexCopy into itself) runs in place, storing only the
// new rows (`CompiledProgram.inPlaceWrites`). The quantized linears (Q4_1, Q8_0 weights) run
// as eager steps of the program: the generator covers float32 values only.

/// `model`'s cached step compiled: one compiled function per span, for one KV cache at a time
/// (a new cache, from a new generation, starts over). `step` is what `Llama.generate` takes.
public final class CompiledDecode: @unchecked Sendable {
    let model: Llama
    private let state = Mutex<(cache: KVCache?, bySpan: [Int: CompiledFunction], traces: Int)>((nil, [:], 0))

    public init(_ model: Llama) { self.model = model }

    /// Programs traced (and built) so far, over every cache: a step that traced took the C
    /// compiler's time too (the CLI leaves such steps out of its tokens/s).
    public var traceCount: Int { state.withLock { $0.traces + $0.bySpan.values.reduce(0) { $0 + $1.traceCount } } }

    /// One step: lego's cached step for this span, compiled.
    public var step: DecodeStep {
        { [self] ids, positions, span, cache in
            let f = state.withLock { s -> CompiledFunction in
                if s.cache !== cache {
                    s = (cache, [:], s.traces + s.bySpan.values.reduce(0) { $0 + $1.traceCount })
                }
                if let f = s.bySpan[span] { return f }
                let model = self.model
                let f = CompiledFunction { args in [model.forward(args[0], positions: args[1], span: span, cache: cache)] }
                s.bySpan[span] = f
                return f
            }
            return f([ids, positions])[0]
        }
    }
}

/// `model`'s cached step compiled (`CompiledDecode(model).step`).
public func compiledDecodeStep(_ model: Llama) -> DecodeStep { CompiledDecode(model).step }
