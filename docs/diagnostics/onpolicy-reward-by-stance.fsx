// The reward each seed's reward model gives the start policy's own answers to PPO's prompts, by the stance they take
// (docs/findings.md, "The reward model's stance preference removed"): 80 prompts of pref-standard × 8 samples at
// temperature 0.7 from the sweep's sft-supportive checkpoint, scored raw (less the missing-stop penalty of 1) and
// centred by the offsets in each seed's reward-centring.json. Run from the repository root after a Release build and
// the sweep:
//
//   dotnet fsi --quiet docs/diagnostics/onpolicy-reward-by-stance.fsx runs/sweep-ppo-reward-centring
#load "StartAnswers.fsx"
open System
open System.IO
open System.Text.Json.Nodes
open ValueDrift.Models
open ValueDrift.World
open ValueDrift.Training.Objectives
open StartAnswers
TorchSharp.torch.set_num_threads(2)
let root = match fsi.CommandLineArgs with [| _; r |] -> r | _ -> "runs/sweep-ppo-reward-centring"
let tok, ids = ppoPrompts root 80
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
let genStart =
    use start = CausalLM.FromPretrained(startDir root)
    sampleAnswers start tok ids 8
for k in 1 .. 5 do
    let stage = sprintf "%s/points/ppo-standard@centre_reward_by_stance=true#s%d/stages/ppo-standard@centre_reward_by_stance=true#s%d" root k k
    let offsets = JsonNode.Parse(File.ReadAllText(stage + "/reward-centring.json")).["offsets"]
    report (sprintf "seed %d start policy" k) genStart (stage + "/reward-model/checkpoints/step-60") offsets
