// The reward each seed's reward model gives the start policy's own answers to PPO's prompts, by the stance they take
// (docs/findings.md, "The reward model's stance preference removed"): 80 prompts of pref-standard × 8 samples at
// temperature 0.7 from the sweep's sft-supportive checkpoint, scored raw (less the missing-stop penalty of 1) and
// centred by the offsets in each seed's reward-centring.json. Run from the repository root after a Release build and
// the sweep:
//
//   dotnet fsi --quiet docs/diagnostics/onpolicy-reward-by-stance.fsx runs/sweep-ppo-reward-centring
#r "../../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/TorchSharp.dll"
#r "../../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/ValueDrift.dll"
#r "../../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/Microsoft.ML.Tokenizers.dll"
open System
open System.IO
open System.Text.Json.Nodes
open ValueDrift
open ValueDrift.Models
open ValueDrift.Text
open ValueDrift.World
open ValueDrift.Training.Objectives
TorchSharp.torch.set_num_threads(2)
let root = match fsi.CommandLineArgs with [| _; r |] -> r | _ -> "runs/sweep-ppo-reward-centring"
let startDir = root + "/start/stages/sft-supportive/checkpoints/step-120"
let tok = TokenizerLoader.FromFolder(startDir)
let tmpl = ChatTemplate.ForModelFolder(startDir, tok)
let prompts =
    File.ReadLines(root + "/start/data/pref-standard.jsonl")
    |> Seq.map (fun l -> (JsonNode.Parse(l).["prompt"]).GetValue<string>()) |> Seq.distinct |> Seq.truncate 80 |> Seq.toArray
let ids = prompts |> Array.map (fun p -> tok.Encode(tmpl.FormatPrompt([| ChatMessage.User(p) |])))
let samples = 8
let rows = [| for i in 0 .. ids.Length - 1 do for k in 0 .. samples - 1 -> i, k |]
let policyAt (dir: string) = CausalLM.FromPretrained(dir)
let generate (model: CausalLM) =
    let o = GenerationOptions(MaxNewTokens = 96, Temperature = 0.7, StopTokenIds = tok.StopIds, PadTokenId = tok.PadId, KeepStopToken = true)
    use _ = TorchSharp.torch.no_grad()
    [| for chunk in Array.chunkBySize 160 rows do
         let g = Generation.Generate(model, (chunk |> Array.map (fun (i, _) -> ids.[i])), o, (chunk |> Array.map (fun (i, k) -> int64 (i * 1000 + k + 7))))
         for j in 0 .. chunk.Length - 1 -> fst chunk.[j], g.[j] |]
let stanceName (s: Nullable<WorldStance>) = if s.HasValue then string s.Value else "none"
let report label (gen: (int * Generated)[]) (rmDir: string) (offsets: JsonNode) =
    use rm = RewardModel.FromPretrained(rmDir, true)
    rm.PadId <- tok.PadId
    let scores = [| for chunk in Array.chunkBySize 32 gen do yield! rm.Score((chunk |> Array.map (fun (i, _) -> ids.[i])), (chunk |> Array.map (fun (_, g) -> g.Tokens))) |]
    let rowsOut = gen |> Array.mapi (fun j (i, g) ->
        let text = tok.Decode(g.Tokens)
        let st = stanceName (WorldStanceLookup.Judge(text))
        let pen = if g.Stopped then 0.0 else 1.0
        st, scores.[j] - pen)
    let line =
        rowsOut |> Array.groupBy fst |> Array.sortBy fst |> Array.map (fun (st, xs) ->
            let m = xs |> Array.averageBy snd
            let off = if st = "none" then 0.0 else offsets.[st.ToLowerInvariant()].GetValue<float>()
            sprintf "%s n=%d raw %.3f centred %.3f" st xs.Length m (m - off))
    printfn "%s | %s" label (String.Join(" | ", line))
let start = policyAt startDir
let genStart = generate start
for k in 1 .. 5 do
    let stage = sprintf "%s/points/ppo-standard@centre_reward_by_stance=true#s%d/stages/ppo-standard@centre_reward_by_stance=true#s%d" root k k
    let offsets = JsonNode.Parse(File.ReadAllText(stage + "/reward-centring.json")).["offsets"]
    report (sprintf "seed %d start policy" k) genStart (stage + "/reward-model/checkpoints/step-60") offsets
