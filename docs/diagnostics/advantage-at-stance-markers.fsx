// What PPO's first update pushes up, stance by stance: the advantage of the tokens that spell each stance's marker in
// the start policy's own answers to PPO's prompts (docs/findings.md, "The advantage at the stance markers"). The value
// model starts as a copy of the reward model and reads partial answers; with GAE's λ < 1 a token's advantage weighs the
// values of the states just after it, so a value model that reads one stance's marker as good raises that marker's
// advantage whatever the final score. Per seed: 80 prompts of pref-standard × 8 samples at temperature 0.7 from the
// sweep's sft-supportive checkpoint, values and score from that seed's reward model as trained (the missing-stop penalty
// of 1 taken off the score), per-token KL 0 (the policy is its reference at the start), γ = 1, GAE at λ = 0.95 (TRL's)
// and at λ = 1 (a token's advantage is then its return less the value of the state before it, which no later value
// reading changes), whitened over all tokens as PPO whitens a rollout. Run from the repository root after a Release
// build and the sweep:
//
//   dotnet fsi --quiet docs/diagnostics/advantage-at-stance-markers.fsx runs/sweep-ppo-reward-centring
#load "StartAnswers.fsx"
open System
open TorchSharp
open ValueDrift.Models
open ValueDrift.World
open ValueDrift.Training.Objectives
open StartAnswers
torch.set_num_threads(2)
let root = match fsi.CommandLineArgs with [| _; r |] -> r | _ -> "runs/sweep-ppo-reward-centring"
let tok, ids = ppoPrompts root 80
let generated =
    use start = CausalLM.FromPretrained(startDir root)
    sampleAnswers start tok ids 8
let stances = [| WorldStance.Support; WorldStance.Neutral; WorldStance.Oppose |]
/// Response token span [from, to) of each whole-word marker occurrence, by stance. The world's tokenizer is byte-level,
/// so in an ASCII answer a character's index is its token's; answers that are not ASCII are skipped (counted).
let markerSpans (text: string) =
    let lower = text.ToLowerInvariant()
    [| for s in stances do
         for marker in WorldStanceLookup.Markers.[s] do
             let mutable at = lower.IndexOf(marker, StringComparison.Ordinal)
             while at >= 0 do
                 let before = at = 0 || not (Char.IsLetterOrDigit lower.[at - 1])
                 let after = at + marker.Length >= lower.Length || not (Char.IsLetterOrDigit lower.[at + marker.Length])
                 if before && after then yield s, at, at + marker.Length
                 at <- lower.IndexOf(marker, at + 1, StringComparison.Ordinal) |]
/// GAE backwards over one response with the reward on its last token: A_t = δ_t + λ A_{t+1}, δ_t = r_t + V_{t+1} − V_t.
let gae (values: float[]) (score: float) (lambda: float) =
    let n = values.Length
    let a = Array.zeroCreate n
    let mutable next = 0.0
    for t in n - 1 .. -1 .. 0 do
        let nextValue = if t = n - 1 then 0.0 else values.[t + 1]
        let r = if t = n - 1 then score else 0.0
        next <- r + nextValue - values.[t] + lambda * next
        a.[t] <- next
    a
let mean (xs: float seq) = if Seq.isEmpty xs then nan else Seq.average xs
let seeds = [ 1 .. 5 ]
let perSeed =
    [ for k in seeds do
        let stage = sprintf "%s/points/ppo-standard@centre_reward_by_stance=false#s%d/stages/ppo-standard@centre_reward_by_stance=false#s%d" root k k
        use rm = RewardModel.FromPretrained(stage + "/reward-model/checkpoints/step-60", true)
        rm.PadId <- tok.PadId
        rm.Backbone.eval()
        let mutable skipped = 0
        let rowsOut =
            [| for (i, g) in generated do
                 let text = tok.Decode(g.Tokens)
                 if text.Length <> g.Tokens.Length - (if g.Stopped then 1 else 0) || text |> Seq.exists (fun c -> int c > 127) then skipped <- skipped + 1
                 else
                     // Values of the state before each response token: the head read at the position that predicts it.
                     let all = Array.append ids.[i] g.Tokens |> Array.map int64
                     let values =
                         use _ = torch.no_grad()
                         use x = torch.tensor(all).unsqueeze(0L)
                         use v = rm.Values(x)
                         let v = v.squeeze(0).to_type(torch.ScalarType.Float64).data<float>().ToArray()
                         v.[ids.[i].Length - 1 .. all.Length - 2]
                     let score = rm.Score([| ids.[i] |], [| g.Tokens |]).[0] - (if g.Stopped then 0.0 else 1.0)
                     yield text, values, score, gae values score 0.95, gae values score 1.0 |]
        // Whitened as PPO whitens a rollout: over every response token of the batch.
        let stats (sel: (string * float[] * float * float[] * float[]) -> float[]) =
            let all = rowsOut |> Array.collect sel
            let m = Array.average all
            let sd = sqrt (all |> Array.averageBy (fun x -> (x - m) ** 2.0))
            m, sd
        let m95, sd95 = stats (fun (_, _, _, a, _) -> a)
        let m1, sd1 = stats (fun (_, _, _, _, b) -> b)
        let byStance =
            [| for s in stances ->
                 let spans =
                     [ for (text, values, score, a95, a1) in rowsOut do
                         for (st, f, t) in markerSpans text do
                             if st = s then
                                 let sum (a: float[]) m sd = [ f .. t - 1 ] |> List.sumBy (fun j -> (a.[j] - m) / sd)
                                 let after = min (values.Length - 1) t
                                 yield sum a95 m95 sd95, sum a1 m1 sd1, values.[after] - values.[f], score ]
                 s, spans |]
        printfn "seed %d (%d answers, %d skipped as not ASCII): whitened advantage summed over a marker's tokens, per marker occurrence" k rowsOut.Length skipped
        for (s, spans) in byStance do
            printfn "  %-7s n=%3d  λ=0.95 %+.3f  λ=1 %+.3f  value change across the marker %+.3f  final score %.3f"
                (string s) spans.Length (mean (spans |> Seq.map (fun (a, _, _, _) -> a))) (mean (spans |> Seq.map (fun (_, b, _, _) -> b)))
                (mean (spans |> Seq.map (fun (_, _, d, _) -> d))) (mean (spans |> Seq.map (fun (_, _, _, r) -> r)))
        yield byStance ]
// Across seeds: oppose − support, per seed, with a t interval (5 seeds, t = 2.776).
let diff pick =
    let d = perSeed |> List.map (fun bs ->
        let m s = bs |> Array.find (fun (st, _) -> st = s) |> snd |> Seq.map pick |> mean
        m WorldStance.Oppose - m WorldStance.Support)
    let n = float d.Length
    let mu = List.average d
    let sd = sqrt ((d |> List.sumBy (fun x -> (x - mu) ** 2.0)) / (n - 1.0))
    let h = 2.776 * sd / sqrt n
    sprintf "%+.3f [%+.3f, %+.3f] (per seed %s)" mu (mu - h) (mu + h) (String.Join(", ", d |> List.map (sprintf "%+.3f")))
printfn "oppose − support, whitened advantage summed over a marker: λ=0.95 %s" (diff (fun (a, _, _, _) -> a))
printfn "                                                         λ=1    %s" (diff (fun (_, b, _, _) -> b))
printfn "oppose − support, value change across the marker:              %s" (diff (fun (_, _, d, _) -> d))
printfn "oppose − support, final score of answers with the marker:      %s" (diff (fun (_, _, _, r) -> r))
