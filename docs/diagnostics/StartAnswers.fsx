// Shared by the diagnostics in this folder (each loads it with #load): the Release build of the library, and the start
// policy's own answers to a sweep's PPO prompts — the first distinct prompts of its pref-standard set, sampled as PPO
// samples them (temperature 0.7, up to 96 tokens, the stop token kept), each row's seed fixed by its prompt and sample.
#r "../../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/TorchSharp.dll"
#r "../../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/ValueDrift.dll"
#r "../../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/Microsoft.ML.Tokenizers.dll"
open System.IO
open System.Text.Json.Nodes
open TorchSharp
open ValueDrift.Models
open ValueDrift.Text

/// A sweep's supportive SFT checkpoint (the start of its PPO stages).
let startDir (root: string) = root + "/start/stages/sft-supportive/checkpoints/step-120"

/// The checkpoint's tokenizer and the first <c>count</c> distinct prompts of the sweep's pref-standard set, encoded with its chat template.
let ppoPrompts (root: string) (count: int) =
    let dir = startDir root
    let tok = TokenizerLoader.FromFolder(dir)
    let tmpl = ChatTemplate.ForModelFolder(dir, tok)
    let prompts =
        File.ReadLines(root + "/start/data/pref-standard.jsonl")
        |> Seq.map (fun l -> (JsonNode.Parse(l).["prompt"]).GetValue<string>()) |> Seq.distinct |> Seq.truncate count |> Seq.toArray
    tok, prompts |> Array.map (fun p -> tok.Encode(tmpl.FormatPrompt([| ChatMessage.User(p) |])))

/// <c>samples</c> answers of <c>model</c> per prompt: (prompt index, answer), prompt by prompt.
let sampleAnswers (model: CausalLM) (tok: ITokenizer) (ids: int[][]) (samples: int) =
    let rows = [| for i in 0 .. ids.Length - 1 do for k in 0 .. samples - 1 -> i, k |]
    let o = GenerationOptions(MaxNewTokens = 96, Temperature = 0.7, StopTokenIds = tok.StopIds, PadTokenId = tok.PadId, KeepStopToken = true)
    use _ = torch.no_grad()
    [| for chunk in Array.chunkBySize 160 rows do
         let g = Generation.Generate(model, (chunk |> Array.map (fun (i, _) -> ids.[i])), o, (chunk |> Array.map (fun (i, k) -> int64 (i * 1000 + k + 7))))
         for j in 0 .. chunk.Length - 1 -> fst chunk.[j], g.[j] |]
