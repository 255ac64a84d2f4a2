// The geometry of one convolution as the Java side packs it (backend/cuda/Geo.java): input x [N, D, H, W, C],
// output y [N, Z, P, Q, K] (channels last), kernel kd x kh x kw, stride, padding. For the transposed
// convolution (kernel = stride, no padding) the input is the small tensor and the output the large one.
#pragma once

struct Geo {
    int N, D, H, W, C;   // input
    int Z, P, Q, K;      // output
    int kd, kh, kw, sd, sh, sw, pd, ph, pw;
};
