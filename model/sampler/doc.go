// Package sampler is the CPU side of Stable Diffusion sampling: torch-compatible noise,
// diffusers' noise schedules and every sampler's per-step arithmetic, expressed so that
// a GPU runtime can execute it as elementwise kernels.
//
// # Noise
//
// RNG streams reproduce torch.randn: TorchCPU (--rng cpu) bit for bit as
// torch.Generator('cpu') draws float32 noise, Philox (--rng cuda) as A1111's and
// stable-diffusion.cpp's imitation of torch's CUDA generator.
//
// # Schedules
//
// Config mirrors a diffusers scheduler_config.json (ParseSchedulerConfig reads one).
// Betas, alphas_cumprod, timestep spacing (linspace, leading, trailing with
// steps_offset), sigma tables and the sigma schedules (discrete, karras, exponential,
// sgm_uniform) follow the diffusers scheduler class of each sampler, including its
// float32 rounding: the tables equal diffusers 0.30.3's exactly.
//
// # Plans and ops
//
// New (txt2img) and NewImg2Img build a Plan: for every UNet call, the timestep, the
// scale_model_input op and the step's ops, each Op an elementwise linear combination
// dst = sum_k coef_k * src_k over named latent-sized buffers (Buf) with float32 scalar
// coefficients computed on the CPU. The sampler's state (saved samples, past model
// outputs or derivatives for Heun, DPM2, LMS, PNDM and DPM++) lives in history buffers
// the plan rotates; nothing depends on the latents' values, so the whole run is planned
// up front. Execute runs ops on the CPU in float32 with a fixed rounding order; a GPU
// runtime maps each Op onto one dispatch of a linear-combination kernel. GuidanceOp is
// classifier-free guidance and Plan.DenoisedOp the model output's x0 prediction (for
// previews) in the same form.
//
// Samplers, by the names stable-diffusion.cpp and A1111 users know (diffusers class in
// brackets): euler [EulerDiscrete], euler_a [EulerAncestralDiscrete], heun
// [HeunDiscrete], dpm2 [KDPM2Discrete], lms [LMSDiscrete], dpm++2m
// [DPMSolverMultistep, dpmsolver++ order 2], dpm++2s_a [k-diffusion
// sample_dpmpp_2s_ancestral], ddim [DDIM], ddpm [DDPM], pndm or plms [PNDM, PLMS only],
// lcm [LCM]. Each defaults to its class's timestep spacing: linspace for the
// sigma-based samplers and DPM++, leading for DDIM, DDPM, PNDM and LCM. Model outputs
// may be eps, v or x0 predictions (PNDM: eps or v, as diffusers).
//
// Not implemented: clipping and dynamic thresholding of x0 (SD configs disable them),
// rescale_betas_zero_snr, s_churn, DPM++ SDE (its Brownian-tree noise needs torchsde's
// generator), learned DDPM variances and custom timestep or sigma lists.
package sampler
