using MathNet.Numerics.LinearAlgebra;

namespace DiffAcc.Model.Quality;

/// <summary>
/// The Frechet distance between Gaussians fitted to two feature sets (the FID formula):
/// <c>|μ1 − μ2|² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)</c>, with the trace of the root taken from the
/// eigenvalues of the symmetric <c>Σ1^½ Σ2 Σ1^½</c>.
/// </summary>
public static class FrechetDistance
{
    public static double Between(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        if (a.Count < 2 || b.Count < 2)
            throw new ArgumentException("a Frechet distance needs at least two feature vectors on each side");
        var (meanA, covarianceA) = Moments(a);
        var (meanB, covarianceB) = Moments(b);
        var rootA = SymmetricRoot(covarianceA);
        var product = rootA * covarianceB * rootA;
        var traceRoot = product.Evd(Symmetricity.Symmetric).EigenValues.Sum(e => Math.Sqrt(Math.Max(0, e.Real)));
        return (meanA - meanB).DotProduct(meanA - meanB) + covarianceA.Trace() + covarianceB.Trace() - (2 * traceRoot);
    }

    private static (Vector<double> Mean, Matrix<double> Covariance) Moments(IReadOnlyList<double[]> features)
    {
        var data = Matrix<double>.Build.DenseOfRowArrays(features);
        var mean = data.ColumnSums() / data.RowCount;
        var centered = data - Matrix<double>.Build.Dense(data.RowCount, data.ColumnCount, (_, c) => mean[c]);
        return (mean, centered.TransposeThisAndMultiply(centered) / (data.RowCount - 1));
    }

    private static Matrix<double> SymmetricRoot(Matrix<double> m)
    {
        var evd = m.Evd(Symmetricity.Symmetric);
        var roots = Matrix<double>.Build.DiagonalOfDiagonalArray([.. evd.EigenValues.Select(e => Math.Sqrt(Math.Max(0, e.Real)))]);
        return evd.EigenVectors * roots * evd.EigenVectors.Transpose();
    }
}
