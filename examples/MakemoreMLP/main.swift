// makemore part 2 (Bengio et al. 2003): a character-level MLP language model on names.txt,
// written from tensors (no nn modules): an embedding table C, a tanh hidden layer, and
// cross-entropy, trained with minibatch SGD. Ported line by line; examples/README.md sets it
// beside the original.
//
//     PICOGRAD_DATA=/path/to/folder/with/names.txt swift run -c release MakemoreMLP [--steps 200000] [--log-every 10000] [--samples 20]
import picograd

func option(_ name: String) -> Int? {
    CommandLine.arguments.firstIndex(of: name).map { Int(CommandLine.arguments[$0 + 1])! }
}
let steps = option("--steps") ?? 200000, logEvery = option("--log-every") ?? 10000, samples = option("--samples") ?? 20

// read in all the words
let words = try loadDataset("names.txt").split(separator: "\n").map(String.init)

// build the vocabulary of characters and mappings to/from integers
let chars = Set(words.joined()).sorted()
let stoi = Dictionary(uniqueKeysWithValues: chars.enumerated().map { (String($0.element), $0.offset + 1) } + [(".", 0)])
let itos = Dictionary(uniqueKeysWithValues: stoi.map { ($0.value, $0.key) })

// build the dataset
let blockSize = 3   // context length: how many characters do we take to predict the next one?

func buildDataset(_ words: ArraySlice<String>) -> (Tensor, Tensor) {
    var X: [[Int]] = [], Y: [Int] = []
    for w in words {
        var context = [Int](repeating: 0, count: blockSize)
        for ch in w + "." {
            let ix = stoi[String(ch)]!
            X.append(context)
            Y.append(ix)
            context = context.dropFirst() + [ix]   // crop and append
        }
    }
    let x = Tensor(int32: X.flatMap { $0 }, shape: [X.count, blockSize])
    let y = Tensor(int32: Y, shape: [Y.count])
    print(x.shape, y.shape)
    return (x, y)
}

var shuffle = Generator(seed: 42)
let shuffled = words.shuffled(using: &shuffle)
let n1 = Int(0.8 * Double(shuffled.count))
let n2 = Int(0.9 * Double(shuffled.count))
let (Xtr, Ytr) = buildDataset(shuffled[..<n1])
let (Xdev, Ydev) = buildDataset(shuffled[n1..<n2])
let (Xte, Yte) = buildDataset(shuffled[n2...])

var g = Generator(seed: 2147483647)
let C = Tensor.randn([27, 10], generator: &g)
let W1 = Tensor.randn([30, 200], generator: &g)
let b1 = Tensor.randn([200], generator: &g)
let W2 = Tensor.randn([200, 27], generator: &g)
let b2 = Tensor.randn([27], generator: &g)
let parameters = [C, W1, b1, W2, b2]
print(parameters.map(\.count).reduce(0, +))   // number of parameters in total
for p in parameters {
    p.requiresGrad = true
}

for i in 0..<steps {
    // minibatch construct
    let ix = Tensor.randint(0, Xtr.shape[0], [32], generator: &g)

    // forward pass
    let emb = C[Xtr[ix]]   // (32, 3, 10)
    let h = (emb.view([-1, 30]).matmul(W1) + b1).tanh()   // (32, 200)
    let logits = h.matmul(W2) + b2   // (32, 27)
    let loss = crossEntropy(logits, targets: Ytr[ix])
    if i % logEvery == 0 || i == steps - 1 { print("step \(i): loss \(loss.item())") }

    // backward pass
    for p in parameters {
        p.grad = nil
    }
    loss.backward()

    // update
    let lr = i < 100000 ? 0.1 : 0.01
    for p in parameters {
        p.data += -lr * p.grad!
    }
}

// evaluate the loss on the dev split
withNoGrad {
    let emb = C[Xdev]   // (N, 3, 10)
    let h = (emb.view([-1, 30]).matmul(W1) + b1).tanh()   // (N, 200)
    let logits = h.matmul(W2) + b2   // (N, 27)
    let loss = crossEntropy(logits, targets: Ydev)
    print("dev loss \(loss.item())")
}

// sample from the model
var sampler = Generator(seed: 2147483647 + 10)
for _ in 0..<samples {
    var out: [Int] = []
    var context = [Int](repeating: 0, count: blockSize)   // initialize with all ...
    while true {
        let emb = C[Tensor(int32: context, shape: [1, blockSize])]   // (1, blockSize, d)
        let h = (emb.view([1, -1]).matmul(W1) + b1).tanh()
        let logits = h.matmul(W2) + b2
        let probs = softmax(logits, dim: 1)
        let ix = Int(probs.multinomial(1, generator: &sampler).item())
        context = context.dropFirst() + [ix]
        out.append(ix)
        if ix == 0 {
            break
        }
    }
    print(out.map { itos[$0]! }.joined())
}
