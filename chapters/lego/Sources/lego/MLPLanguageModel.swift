// Bengio et al. 2003, "A Neural Probabilistic Language Model", as in makemore: look up each
// of the `context` previous characters in an embedding table C, concatenate them, one tanh
// hidden layer, and a linear layer to the logits of the next character.

/// The language models a training run can drive: ids -> logits.
public protocol LanguageModel: Module {
    /// ids with shape `shape` -> logits of shape `shape + [vocab]` (GPT, llama: [B, T] -> [B, T, V];
    /// the MLP: [B, context] -> [B, V], one prediction per row).
    func logits(_ ids: [Int], shape: [Int]) -> Tensor
}

/// Bengio's MLP: logits = output(tanh(hidden(concat(C[ids])))).
public final class MLPLanguageModel: Module, LanguageModel {
    /// The embedding table C: [vocab, embedDim].
    public let wte: Embedding
    public let hidden: Linear
    public let output: Linear
    public let context: Int

    /// vocab -> embeddings of embedDim for `context` characters -> hiddenDim tanh units -> vocab logits.
    public init(vocabSize: Int, context: Int, embedDim: Int, hiddenDim: Int) {
        self.context = context
        wte = Embedding(vocabSize, embedDim)
        hidden = Linear(context * embedDim, hiddenDim)
        output = Linear(hiddenDim, vocabSize)
    }

    /// ids [B, context] -> logits [B, vocab].
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        check(shape.count == 2 && shape[1] == context && ids.count == shape[0] * context,
              "MLPLanguageModel: ids must be [B, \(context)], got \(ids.count) ids for shape \(shape)")
        let embedded = wte(ids, shape: shape).reshape([shape[0], -1])
        return output(hidden(embedded).tanh())
    }

    /// ids: an int32 tensor [B, context] -> logits [B, vocab] (makemore's `model(X)`).
    public override func forward(_ ids: Tensor) -> Tensor {
        check(ids.dtype == .int32 && ids.rank == 2 && ids.shape[1] == context,
              "MLPLanguageModel: ids must be an int32 tensor [B, \(context)], got \(ids.dtype) of shape \(ids.shape)")
        return output(hidden(wte(ids).reshape([ids.shape[0], -1])).tanh())
    }

    /// `callAsFunction(ids, shape:)`.
    public func logits(_ ids: [Int], shape: [Int]) -> Tensor { callAsFunction(ids, shape: shape) }
}

extension GPT: LanguageModel {
    /// `callAsFunction(ids, shape:)`.
    public func logits(_ ids: [Int], shape: [Int]) -> Tensor { callAsFunction(ids, shape: shape) }
}

extension Llama: LanguageModel {
    /// `callAsFunction(ids, shape:)`.
    public func logits(_ ids: [Int], shape: [Int]) -> Tensor { callAsFunction(ids, shape: shape) }
}
