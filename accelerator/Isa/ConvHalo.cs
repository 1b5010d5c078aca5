namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// Where a CONV's grid row lies when its groups hold one image's row bands (<see cref="Conv.HaloGroups"/>):
/// a row above the held rows is the group before's, one below the group after's, at the same buffer rows
/// (every group holds its band at the same place), so no group keeps a copy of its neighbours' edge rows.
/// </summary>
public static class ConvHalo
{
    /// <summary>
    /// The group and grid row that <paramref name="group"/>'s grid row <paramref name="gridRow"/> reads
    /// (of <paramref name="gridRows"/> held), or null for a padding row; the first of the machine's
    /// <paramref name="groups"/> has padding above and the last below whatever the runs, as the PE feed has.
    /// </summary>
    public static (int Group, int Row)? Source(Conv v, int group, int groups, int gridRow, int gridRows)
    {
        if (gridRow >= 0 && gridRow < gridRows)
            return (group, gridRow);
        if (v.HaloGroups == 0)
            return null;
        var place = group % v.HaloGroups;
        if (gridRow < 0)
            return place == 0 || group == 0 || gridRow + gridRows < 0 ? null : (group - 1, gridRow + gridRows);
        return place == v.HaloGroups - 1 || group == groups - 1 || gridRow - gridRows >= gridRows ? null : (group + 1, gridRow - gridRows);
    }
}
