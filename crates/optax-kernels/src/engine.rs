//! The multi-tensor CPU engine: one pass over memory for all leaves, split into chunks that
//! the rayon pool runs in parallel.
//!
//! Every leaf's operands (gradient, parameter, up to three state streams) are cut into
//! chunks of [`CHUNK`] elements; the chunks of all leaves form one work list, so a step is one
//! parallel loop whatever the number of leaves (no per-leaf dispatch). Inside a chunk the
//! elements go through blocks of [`B`]: the rule computes on fixed-size views of the buffers
//! themselves (fixed trip count, no aliasing: the compiler vectorizes it); only operands that
//! are not written in place (a shared state, an absent one, a clipped gradient, a leaf's tail)
//! go through a stack array. Each operand is read once and written at most once per step.

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// Elements per block: the unit of the vectorized inner loops.
pub(crate) const B: usize = 64;
/// Elements per unit of parallel work (a multiple of `B`).
pub(crate) const CHUNK: usize = 32 * 1024;
/// Below this many elements in a step, one thread does all the work (rayon's fork/join
/// costs more than the work).
pub(crate) const PARALLEL_MIN: usize = 96 * 1024;

/// How an operand of a chunk is read and written.
pub(crate) enum Stream<'a> {
    /// Read only.
    Read(&'a [f32]),
    /// Read, then overwritten in place (a buffer this step owns).
    InPlace(&'a mut [f32]),
    /// Read from a shared buffer, written to a fresh one.
    Fresh(&'a [f32], &'a mut [MaybeUninit<f32>]),
    /// Not given: reads as zeros, writes are dropped (e.g. the parameters of an update that
    /// needs none).
    Zero(usize),
}

impl<'a> Stream<'a> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Stream::Read(s) => s.len(),
            Stream::InPlace(s) => s.len(),
            Stream::Fresh(s, _) => s.len(),
            Stream::Zero(n) => *n,
        }
    }

    fn split_at(self, k: usize) -> (Self, Self) {
        match self {
            Stream::Read(s) => {
                let (a, b) = s.split_at(k);
                (Stream::Read(a), Stream::Read(b))
            }
            Stream::InPlace(s) => {
                let (a, b) = s.split_at_mut(k);
                (Stream::InPlace(a), Stream::InPlace(b))
            }
            Stream::Fresh(s, d) => {
                let (a, b) = s.split_at(k);
                let (c, e) = d.split_at_mut(k);
                (Stream::Fresh(a, c), Stream::Fresh(b, e))
            }
            Stream::Zero(n) => (Stream::Zero(k), Stream::Zero(n - k)),
        }
    }

    /// The elements `i..i + dst.len()` into `dst`.
    #[inline(always)]
    fn load<const N: usize>(&self, i: usize, dst: &mut [f32; N]) {
        let src: &[f32] = match self {
            Stream::Read(s) => s,
            Stream::InPlace(s) => s,
            Stream::Fresh(s, _) => s,
            Stream::Zero(_) => {
                *dst = [0.0; N];
                return;
            }
        };
        let src: &[f32; N] = src[i..i + N].try_into().expect("block in range");
        *dst = *src;
    }

    /// `src` into the elements `i..i + N`.
    #[inline(always)]
    fn store<const N: usize>(&mut self, i: usize, src: &[f32; N]) {
        match self {
            Stream::InPlace(s) => {
                let dst: &mut [f32; N] = (&mut s[i..i + N]).try_into().expect("block in range");
                *dst = *src;
            }
            Stream::Fresh(_, d) => {
                let dst: &mut [MaybeUninit<f32>; N] =
                    (&mut d[i..i + N]).try_into().expect("block in range");
                for (d, s) in dst.iter_mut().zip(src) {
                    d.write(*s);
                }
            }
            Stream::Read(_) | Stream::Zero(_) => {}
        }
    }

    /// The block at `i` to read: a view of the stream's own elements, or of `tmp` (zeros).
    #[inline(always)]
    fn view<'s>(&'s self, i: usize, tmp: &'s mut [f32; B]) -> &'s [f32; B] {
        let src: &[f32] = match self {
            Stream::Read(s) => s,
            Stream::InPlace(s) => s,
            Stream::Fresh(s, _) => s,
            Stream::Zero(_) => {
                *tmp = [0.0; B];
                return tmp;
            }
        };
        src[i..i + B].try_into().expect("block in range")
    }

    /// The block at `i` to update: a view of the stream's own elements when it is written in
    /// place, else `tmp` loaded with them (store it back with [`Stream::store_copy`]).
    #[inline(always)]
    fn view_mut<'s>(&'s mut self, i: usize, tmp: &'s mut [f32; B]) -> &'s mut [f32; B] {
        match self {
            Stream::InPlace(s) => (&mut s[i..i + B]).try_into().expect("block in range"),
            other => {
                other.load(i, tmp);
                tmp
            }
        }
    }

    /// After [`Stream::view_mut`]: writes `tmp` back unless the block was updated in place.
    #[inline(always)]
    fn store_copy(&mut self, i: usize, tmp: &[f32; B]) {
        if !matches!(self, Stream::InPlace(_)) {
            self.store(i, tmp);
        }
    }

    /// The `w < B` elements from `i` into the front of `dst` (the rest is left as is).
    fn load_tail(&self, i: usize, w: usize, dst: &mut [f32; B]) {
        match self {
            Stream::Read(s) => dst[..w].copy_from_slice(&s[i..i + w]),
            Stream::InPlace(s) => dst[..w].copy_from_slice(&s[i..i + w]),
            Stream::Fresh(s, _) => dst[..w].copy_from_slice(&s[i..i + w]),
            Stream::Zero(_) => dst[..w].fill(0.0),
        }
    }

    fn store_tail(&mut self, i: usize, w: usize, src: &[f32; B]) {
        match self {
            Stream::InPlace(s) => s[i..i + w].copy_from_slice(&src[..w]),
            Stream::Fresh(_, d) => {
                for (d, s) in d[i..i + w].iter_mut().zip(&src[..w]) {
                    d.write(*s);
                }
            }
            Stream::Read(_) | Stream::Zero(_) => {}
        }
    }
}

/// An element-wise update rule over blocks: the math of one fused kernel.
pub(crate) trait Rule<const NS: usize>: Sync {
    /// Per-leaf information (e.g. whether the leaf is weight-decayed).
    type Leaf: Copy + Send + Sync;

    /// One block: `g` (already clipped), `p` (zeros when the step has no parameters), the
    /// `NS` states (updated in place: views of the state buffers themselves where they are
    /// written in place); writes Optax's update (what `apply_updates` adds to the
    /// parameters) into `u`.
    fn block(
        &self,
        leaf: Self::Leaf,
        g: &[f32; B],
        p: &[f32; B],
        s: [&mut [f32; B]; NS],
        u: &mut [f32; B],
    );
}

/// Where the result of a step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// `p ← p + u` (the parameter stream is written).
    Params,
    /// `g ← u` (the gradient stream is written: Optax's `update`).
    Updates,
}

/// A global-norm clip that triggered: `g ← (g / norm) · max_norm`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClipScale {
    pub norm: f32,
    pub max_norm: f32,
}

/// The operands of one leaf (or of a chunk of one).
pub(crate) struct Piece<'a, L, const NS: usize> {
    pub g: Stream<'a>,
    pub p: Stream<'a>,
    pub s: [Stream<'a>; NS],
    pub leaf: L,
}

impl<'a, L: Copy, const NS: usize> Piece<'a, L, NS> {
    fn len(&self) -> usize {
        self.g.len()
    }

    fn split_at(self, k: usize) -> (Self, Self) {
        let (g0, g1) = self.g.split_at(k);
        let (p0, p1) = self.p.split_at(k);
        let mut s0: [Option<Stream<'a>>; NS] = std::array::from_fn(|_| None);
        let mut s1: [Option<Stream<'a>>; NS] = std::array::from_fn(|_| None);
        for (j, s) in self.s.into_iter().enumerate() {
            let (a, b) = s.split_at(k);
            s0[j] = Some(a);
            s1[j] = Some(b);
        }
        (
            Piece {
                g: g0,
                p: p0,
                s: s0.map(|s| s.expect("filled")),
                leaf: self.leaf,
            },
            Piece {
                g: g1,
                p: p1,
                s: s1.map(|s| s.expect("filled")),
                leaf: self.leaf,
            },
        )
    }
}

/// One full block at `i`: the rule reads `g` and `p` and updates the states where they lie
/// (streams written in place), copying only the operands that are not (shared, absent, or a
/// clipped gradient).
#[inline(always)]
fn block<R: Rule<NS>, const NS: usize>(
    rule: &R,
    piece: &mut Piece<'_, R::Leaf, NS>,
    i: usize,
    out: Output,
    clip: Option<ClipScale>,
) {
    let mut g_tmp = [0.0f32; B];
    let mut p_tmp = [0.0f32; B];
    let mut s_tmp = [[0.0f32; B]; NS];
    let mut u = [0.0f32; B];
    {
        let g: &[f32; B] = match clip {
            Some(c) => {
                piece.g.load(i, &mut g_tmp);
                for x in g_tmp.iter_mut() {
                    // clip_by_global_norm, clipping branch: u = (u / n) · max_norm
                    *x = (*x / c.norm) * c.max_norm;
                }
                &g_tmp
            }
            None => piece.g.view(i, &mut g_tmp),
        };
        let p = piece.p.view(i, &mut p_tmp);
        let mut views = piece.s.iter_mut().zip(s_tmp.iter_mut());
        let s: [&mut [f32; B]; NS] = std::array::from_fn(|_| {
            let (st, tmp) = views.next().expect("one per state");
            st.view_mut(i, tmp)
        });
        rule.block(piece.leaf, g, p, s, &mut u);
    }
    for (st, tmp) in piece.s.iter_mut().zip(&s_tmp) {
        st.store_copy(i, tmp);
    }
    match out {
        Output::Params => {
            let p = piece.p.view(i, &mut p_tmp);
            for (u, p) in u.iter_mut().zip(p) {
                // apply_updates: p + u
                *u += *p;
            }
            piece.p.store(i, &u);
        }
        Output::Updates => piece.g.store(i, &u),
    }
}

/// The block at `i` of `w < B` elements (a leaf's tail), through copies.
fn tail<R: Rule<NS>, const NS: usize>(
    rule: &R,
    piece: &mut Piece<'_, R::Leaf, NS>,
    i: usize,
    w: usize,
    out: Output,
    clip: Option<ClipScale>,
) {
    let mut g = [0.0f32; B];
    let mut p = [0.0f32; B];
    let mut s = [[0.0f32; B]; NS];
    let mut u = [0.0f32; B];
    piece.g.load_tail(i, w, &mut g);
    piece.p.load_tail(i, w, &mut p);
    for (st, buf) in piece.s.iter().zip(s.iter_mut()) {
        st.load_tail(i, w, buf);
    }
    if let Some(c) = clip {
        // clip_by_global_norm, clipping branch: u = (u / n) · max_norm
        for x in g.iter_mut() {
            *x = (*x / c.norm) * c.max_norm;
        }
    }
    rule.block(piece.leaf, &g, &p, s.each_mut(), &mut u);
    for (st, buf) in piece.s.iter_mut().zip(&s) {
        st.store_tail(i, w, buf);
    }
    match out {
        Output::Params => {
            for (p, u) in p.iter_mut().zip(&u) {
                // apply_updates: p + u
                *p += *u;
            }
            piece.p.store_tail(i, w, &p);
        }
        Output::Updates => piece.g.store_tail(i, w, &u),
    }
}

fn run_piece<R: Rule<NS>, const NS: usize>(
    rule: &R,
    mut piece: Piece<'_, R::Leaf, NS>,
    out: Output,
    clip: Option<ClipScale>,
) {
    let n = piece.len();
    let mut i = 0;
    while i + B <= n {
        block(rule, &mut piece, i, out, clip);
        i += B;
    }
    if i < n {
        tail(rule, &mut piece, i, n - i, out, clip);
    }
}

/// Runs `rule` over all pieces (one per leaf), in parallel over chunks of all leaves.
pub(crate) fn run<R: Rule<NS>, const NS: usize>(
    rule: &R,
    pieces: Vec<Piece<'_, R::Leaf, NS>>,
    out: Output,
    clip: Option<ClipScale>,
) {
    let total: usize = pieces.iter().map(Piece::len).sum();
    if total < PARALLEL_MIN || rayon::current_num_threads() < 2 {
        for piece in pieces {
            run_piece(rule, piece, out, clip);
        }
        return;
    }
    let mut work = Vec::with_capacity(total / CHUNK + pieces.len());
    for piece in pieces {
        let mut rest = piece;
        while rest.len() > CHUNK {
            let (a, b) = rest.split_at(CHUNK);
            work.push(a);
            rest = b;
        }
        if rest.len() > 0 {
            work.push(rest);
        }
    }
    work.into_par_iter()
        .with_max_len(1)
        .for_each(|piece| run_piece(rule, piece, out, clip));
}
