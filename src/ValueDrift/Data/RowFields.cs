using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>Typed access to one row's fields; every problem is a <see cref="DataFormatException"/> naming file, row and field.</summary>
internal sealed class RowFields(string file, long row, JsonObject obj)
{
    public string File => file;
    public long Row => row;
    public JsonObject Object => obj;
    public DataOrigin Origin => new(file, row);

    public bool Has(string name) => obj.TryGetPropertyValue(name, out var v) && v is not null;

    public DataFormatException Error(string field, string problem) => new(file, row, field, problem);

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw Error(name, "missing");

    public string? OptionalString(string name)
    {
        if (!obj.TryGetPropertyValue(name, out var v) || v is null) return null;
        return String(v, name);
    }

    public string String(JsonNode? v, string field) =>
        v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>()
        : throw Error(field, $"expected a string, found {RowSource.Kind(v)}");

    /// <summary>A completion text: present, a string, and not blank.</summary>
    public string Completion(JsonNode? v, string field)
    {
        var s = String(v, field);
        return string.IsNullOrWhiteSpace(s) ? throw Error(field, "empty completion") : s;
    }

    public JsonArray Array(JsonNode? v, string field) =>
        v as JsonArray ?? throw Error(field, $"expected an array, found {RowSource.Kind(v)}");

    public int[] Ids(string name, bool allowEmpty)
    {
        if (!obj.TryGetPropertyValue(name, out var v) || v is null) throw Error(name, "missing");
        var array = Array(v, name);
        var ids = new int[array.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            if (array[i] is not JsonValue jv || jv.GetValueKind() != JsonValueKind.Number || !jv.TryGetValue<int>(out var id) && !TryInt(jv, out id))
                throw Error($"{name}[{i}]", $"expected an integer token id, found {RowSource.Kind(array[i])}");
            if (id < 0) throw Error($"{name}[{i}]", $"token id {id} is negative");
            ids[i] = id;
        }
        if (ids.Length == 0 && !allowEmpty) throw Error(name, "empty");
        return ids;
    }

    // Parquet integers arrive as long (INT64 columns); accept any integral number that fits an int.
    private static bool TryInt(JsonValue v, out int id)
    {
        id = 0;
        if (v.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue) { id = (int)l; return true; }
        if (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue) { id = (int)d; return true; }
        return false;
    }

    /// <summary>
    /// A message list: <c>{role, content}</c> objects (OpenAI / WildChat) or <c>{from, value}</c> (ShareGPT). Roles are
    /// mapped to system/user/assistant (<see cref="ChatRoles.Normalize"/>); an unknown role is an error.
    /// </summary>
    public List<ChatMessage> Messages(JsonNode? v, string field)
    {
        var array = Array(v, field);
        var messages = new List<ChatMessage>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (array[i] is not JsonObject m) throw Error(at, $"expected an object, found {RowSource.Kind(array[i])}");
            var (roleKey, contentKey) = m.ContainsKey("from") && !m.ContainsKey("role") ? ("from", "value") : ("role", "content");
            if (!m.TryGetPropertyValue(roleKey, out var r) || r is null) throw Error($"{at}.{roleKey}", "missing");
            var rawRole = String(r, $"{at}.{roleKey}");
            var role = ChatRoles.Normalize(rawRole) ?? throw Error($"{at}.{roleKey}", $"unknown role '{rawRole}' (expected system, user or assistant)");
            if (!m.TryGetPropertyValue(contentKey, out var c) || c is null) throw Error($"{at}.{contentKey}", "missing");
            messages.Add(new ChatMessage(role, String(c, $"{at}.{contentKey}")));
        }
        return messages;
    }

    /// <summary>Top-level scalar fields other than <paramref name="except"/>, as text.</summary>
    public Dictionary<string, string> Scalars(params string[] except)
    {
        var d = new Dictionary<string, string>();
        foreach (var (k, v) in obj)
            if (v is JsonValue jv && !except.Contains(k))
                d[k] = jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>() : jv.ToJsonString();
        return d;
    }
}
