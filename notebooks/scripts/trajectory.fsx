// The drift table of a trace, from the command line (no notebook needed):
//
//   dotnet fsi notebooks/scripts/trajectory.fsx runs/<run>/trace.jsonl
//
// Loads the library from the notebook folder, which `bash environment/setup.sh` builds (artifacts/notebook holds
// ValueDrift.dll with every dependency). Relative #r paths resolve against this script's folder.
#r "../../artifacts/notebook/ValueDrift.dll"
#r "../../artifacts/notebook/ValueDrift.Reporting.dll"
#r "../../artifacts/notebook/Deedle.dll"

open System
open Deedle
open ValueDrift.Drift
open ValueDrift.Errors
open ValueDrift.Reporting

let tracePath =
    match fsi.CommandLineArgs |> Array.tail with
    | [| path |] -> path
    | _ ->
        eprintfn "usage: dotnet fsi trajectory.fsx <trace.jsonl>"
        exit 1

let trajectory, table =
    try
        let t = Trajectory.FromTrace tracePath
        t, DriftTable.From t
    with :? ValueDriftException as e ->
        eprintfn "%s" e.Message
        exit 2

let fmt (v: float) = if Double.IsNaN v then "n/a" else v.ToString("0.000", Globalization.CultureInfo.InvariantCulture)

printfn "%s: %s; %d topics" tracePath (String.Join(" -> ", trajectory.Phases)) trajectory.Topics.Count
printfn ""
// Phase and topic columns as wide as their longest entry ("sft-supportive", "dpo-support-aligned", …).
let width header (values: string seq) = Seq.append [ header ] values |> Seq.map String.length |> Seq.max
let phaseWidth = width "phase" (table.Rows |> Seq.map (fun r -> r.Phase))
let topicWidth = width "topic" (table.Rows |> Seq.map (fun r -> r.Topic))
let line (phase: string) (topic: string) stance start finish magnitude driftTime =
    printfn "%s %s %-8s %7s %7s %9s %10s" (phase.PadRight phaseWidth) (topic.PadRight topicWidth) stance start finish magnitude driftTime

line "phase" "topic" "stance" "start" "end" "magnitude" "drift time"
for r in table.Rows do
    let m = r.Magnitude.ToString("+0.000;-0.000;0.000", Globalization.CultureInfo.InvariantCulture)
    line r.Phase r.Topic (r.Stance.ToString().ToLowerInvariant()) (fmt r.Start) (fmt r.End) m (fmt r.DriftTime)

// The same numbers as a Deedle frame: the largest absolute drift magnitude of each topic in each phase.
let largest =
    DriftFrames.Table table
    |> Frame.pivotTable
        (fun _ (row: ObjectSeries<string>) -> row.GetAs<string> "Topic")
        (fun _ (row: ObjectSeries<string>) -> row.GetAs<string> "Phase")
        (fun (f: Frame<int, string>) -> f.GetColumn<float> "Magnitude" |> Series.values |> Seq.map abs |> Seq.max |> fun m -> Math.Round(m, 3))

printfn ""
printfn "largest |magnitude| per topic (rows) and phase (columns):"
printfn "%s" (largest.Format())
