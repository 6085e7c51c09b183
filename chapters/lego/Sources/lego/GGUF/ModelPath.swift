// Where the pretrained model lives: $PICOGRAD_MODEL, or models/<file> in the working
// directory or one of its parents (scripts/fetch-model puts it there).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The course's pretrained model file (llama architecture, GGUF Q4_1).
public let defaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf"

/// The path of the pretrained model, or nil when it has not been fetched.
public func findModel(_ file: String = defaultModelFile) -> String? {
    if let env = getenv("PICOGRAD_MODEL") {
        let path = String(cString: env)
        return access(path, R_OK) == 0 ? path : nil
    }
    var dir = "."
    for _ in 0..<6 {
        let candidate = dir + "/models/" + file
        if access(candidate, R_OK) == 0 { return candidate }
        dir += "/.."
    }
    return nil
}
