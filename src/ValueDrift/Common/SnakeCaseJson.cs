using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ValueDrift.Common;

/// <summary>
/// The one JSON form of the project's settings files (stage.json, recipes, algorithm settings): snake_case names,
/// enums as snake_case strings, NaN and infinities as named literals (a setting that is not finite is refused by its
/// record's validation, with its name, rather than by the reader).
/// </summary>
public static class SnakeCaseJson
{
    /// <summary>Reads unknown keys without complaint (records written by an older or newer version).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { IgnoreOverridesOfIgnored } },
    };

    /// <summary>Refuses unknown keys: files people write (recipes), where a misspelt key would silently be a default.</summary>
    public static readonly JsonSerializerOptions Strict = new(Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>
    /// [JsonIgnore] on a virtual or abstract property holds for its overrides too (System.Text.Json reads the
    /// attribute from the override only): a record's facts, declared once on its base, stay out of its JSON.
    /// </summary>
    private static void IgnoreOverridesOfIgnored(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        foreach (var property in info.Properties.ToList())
        {
            if (property.AttributeProvider is not PropertyInfo own || own.GetMethod?.GetBaseDefinition() is not { } root) continue;
            if (root.DeclaringType == own.DeclaringType) continue;
            if (root.DeclaringType!.GetProperty(own.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)?.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
                info.Properties.Remove(property);
        }
    }

    /// <summary>The snake_case name of a property (<c>RewardModelSteps</c> → <c>reward_model_steps</c>).</summary>
    public static string Name(string propertyName) => JsonNamingPolicy.SnakeCaseLower.ConvertName(propertyName);
}
