// The chat format an Instruct model was fine-tuned on (ChatML). SmolLM2's GGUF carries it as
// a Jinja template (tokenizer.chat_template); rendered by hand it is:
//
//     <|im_start|>system\n{system}<|im_end|>\n      (a default system turn when none is given)
//     <|im_start|>user\n{content}<|im_end|>\n        (one block per message)
//     <|im_start|>assistant\n                        (the generation prompt: the model answers,
//                                                    then emits <|im_end|>)
// <|im_start|> and <|im_end|> are special tokens (ids 1 and 2): BPETokenizer matches them
// whole, so the rendered text encodes to exactly what the model saw in training.

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// "system", "user" or "assistant".
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// ChatML rendering, as SmolLM2-Instruct's tokenizer.chat_template does it.
public enum ChatTemplate {
    /// The system turn SmolLM2's template inserts when the conversation has none.
    public static let smolLM2System = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The prompt text for `messages`; with `addGenerationPrompt` it ends with the opened
    /// assistant turn. `defaultSystem` (nil: none) is prepended when the first message is not a system turn.
    public static func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                              defaultSystem: String? = smolLM2System) -> String {
        // BEGIN SOLUTION lego.57: prepend the default system turn if the first message is not "system"; write each message as <|im_start|>role\ncontent<|im_end|>\n; end with <|im_start|>assistant\n when asked
        var turns = messages
        if let system = defaultSystem, turns.first?.role != "system" {
            turns.insert(ChatMessage(role: "system", content: system), at: 0)
        }
        var text = ""
        for m in turns { text += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n" }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
        // END SOLUTION lego.57
    }
}
