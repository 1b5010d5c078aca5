using System.Text.Json;

namespace DiffAcc.Model.SafeTensors;

/// <summary>A model folder's JSON file (config.json, scheduler_config.json) read into a record; every problem names the file and the field.</summary>
public static class ModelJsonFile
{
    /// <summary>The file's fields as <typeparamref name="T"/>, checked by <paramref name="validate"/> (which throws <see cref="ModelFileException"/>).</summary>
    public static T Read<T>(string path, Action<T> validate)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(File.ReadAllText(path)) ?? throw new JsonException("the file holds null");
            validate(value);
            return value;
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, e.Path?.TrimStart('$', '.'), $"bad config: {e.Message.Split(" Path:")[0]}");
        }
        catch (IOException e)
        {
            throw new ModelFileException(path, null, e.Message);
        }
    }
}
