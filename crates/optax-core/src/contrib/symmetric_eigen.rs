//! Eigen-decomposition of a small symmetric matrix on the host, in f64, by the cyclic Jacobi
//! method: what Muon's `spectral` preconditioning (the largest singular value) and GaLore's
//! projector (the leading singular vectors) need, which Burn does not provide.
//!
//! Jacobi (1846); the cyclic variant with the threshold-free sweep of Golub & Van Loan,
//! *Matrix Computations*, 4th ed., §8.5 ("Jacobi methods"). Each rotation `J(p, q, θ)` zeroes
//! `A[p][q]`:
//!
//! ```text
//! τ = (A_qq - A_pp) / (2 A_pq),  t = sign(τ) / (|τ| + sqrt(1 + τ²)),
//! c = 1 / sqrt(1 + t²),  s = t·c,  A ← Jᵀ A J,  V ← V J
//! ```
//!
//! Sweeps repeat until the off-diagonal mass is below `1e-30` of the total (or 100 sweeps).
//! In f64 on float32 data this is exact to well below float32 rounding for the sizes the
//! optimizers see (rows of a gradient matrix).

/// Eigenvalues (descending) and the matching unit eigenvectors (`vectors[k]` is the k-th)
/// of the symmetric `n × n` matrix `a` (row-major).
pub(crate) fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off <= 1e-30 * total || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let tau = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let t = if tau == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                // A ← A J (columns p, q).
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                // A ← Jᵀ A (rows p, q).
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[j * n + j].total_cmp(&a[i * n + i]));
    let values = order.iter().map(|&i| a[i * n + i]).collect();
    let vectors = order
        .iter()
        .map(|&i| (0..n).map(|k| v[k * n + i]).collect())
        .collect();
    (values, vectors)
}

/// The largest singular value of the `rows × cols` matrix `x` (row-major, float32), computed
/// in f64 as the square root of the largest eigenvalue of `x xᵀ` or `xᵀ x` (the smaller).
pub(crate) fn largest_singular_value(x: &[f32], rows: usize, cols: usize) -> f64 {
    let (n, gram) = if rows <= cols {
        let mut g = vec![0.0f64; rows * rows];
        for i in 0..rows {
            for j in 0..rows {
                g[i * rows + j] = (0..cols)
                    .map(|k| f64::from(x[i * cols + k]) * f64::from(x[j * cols + k]))
                    .sum();
            }
        }
        (rows, g)
    } else {
        let mut g = vec![0.0f64; cols * cols];
        for i in 0..cols {
            for j in 0..cols {
                g[i * cols + j] = (0..rows)
                    .map(|k| f64::from(x[k * cols + i]) * f64::from(x[k * cols + j]))
                    .sum();
            }
        }
        (cols, g)
    };
    if n == 0 {
        return 0.0;
    }
    symmetric_eigen(&gram, n).0[0].max(0.0).sqrt()
}

/// The leading `rank` singular vectors of the `rows × cols` matrix `x` (row-major, float32),
/// computed in f64 from the eigenvectors of the smaller Gram matrix: `left` gives the columns
/// of `U` (each of length `rows`), otherwise the rows of `Vᵀ` (each of length `cols`), in
/// decreasing order of the singular value. A singular vector is determined up to its sign;
/// the sign here is that of the Jacobi rotations, not LAPACK's.
pub(crate) fn leading_singular_vectors(
    x: &[f32],
    rows: usize,
    cols: usize,
    rank: usize,
    left: bool,
) -> Vec<Vec<f64>> {
    let xd: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let at = |i: usize, j: usize| xd[i * cols + j];
    // Eigenvectors of the Gram matrix of the side asked for are the singular vectors directly
    // when that side is the smaller one; otherwise map through x.
    let gram_rows = rows <= cols;
    let (n, gram) = if gram_rows {
        let mut g = vec![0.0f64; rows * rows];
        for i in 0..rows {
            for j in 0..rows {
                g[i * rows + j] = (0..cols).map(|k| at(i, k) * at(j, k)).sum();
            }
        }
        (rows, g)
    } else {
        let mut g = vec![0.0f64; cols * cols];
        for i in 0..cols {
            for j in 0..cols {
                g[i * cols + j] = (0..rows).map(|k| at(k, i) * at(k, j)).sum();
            }
        }
        (cols, g)
    };
    let (values, vectors) = symmetric_eigen(&gram, n);
    let rank = rank.min(n);
    (0..rank)
        .map(|k| {
            let v = &vectors[k];
            if gram_rows == left {
                return v.clone();
            }
            let sigma = values[k].max(0.0).sqrt();
            let mapped: Vec<f64> = if left {
                // u = x v / σ
                (0..rows)
                    .map(|i| (0..cols).map(|j| at(i, j) * v[j]).sum::<f64>())
                    .collect()
            } else {
                // v = xᵀ u / σ
                (0..cols)
                    .map(|j| (0..rows).map(|i| at(i, j) * v[i]).sum::<f64>())
                    .collect()
            };
            if sigma > 0.0 {
                mapped.iter().map(|m| m / sigma).collect()
            } else {
                vec![0.0; mapped.len()]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonalizes_a_known_matrix() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1.
        let (vals, vecs) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((vals[0] - 3.0).abs() < 1e-12 && (vals[1] - 1.0).abs() < 1e-12);
        assert!((vecs[0][0].abs() - 0.5f64.sqrt()).abs() < 1e-12);
        assert!(
            (largest_singular_value(&[3.0, 0.0, 0.0, 0.0, 4.0, 0.0], 2, 3) - 4.0).abs() < 1e-12
        );
    }
}
