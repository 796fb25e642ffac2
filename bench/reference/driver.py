"""Drives the original SinGAN-Seg code for side-by-side benchmarks (singanseg-bench --reference).

The reference is imported by path, unmodified; this script only times its functions. It runs in
a scratch folder (the reference writes TrainedModels/ and Output/ next to the working directory).
With --step it waits for a line on stdin before each scale and before sampling, so the harness
can alternate reference and project work. Results are printed as lines starting with '@@ '
(JSON); everything else on stdout is the reference's own output.
"""
import argparse, json, os, resource, sys, time

p = argparse.ArgumentParser()
p.add_argument('--reference', required=True)
p.add_argument('--input', required=True, help='RGBA PNG (mask as alpha), the reference input format')
p.add_argument('--niter', type=int, default=50)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--max-size', type=int, default=250)
p.add_argument('--min-size', type=int, default=25)
p.add_argument('--samples', type=int, default=0)
p.add_argument('--step', action='store_true')
p.add_argument('--style-steps', type=int, default=0, help='instead of training: time style_transfer.transfer_style on --input (VGG16)')
a = p.parse_args()

import torch
torch.set_num_threads(a.threads)
sys.path.insert(0, os.path.abspath(a.reference))
import matplotlib
matplotlib.use('Agg')
from config import get_arguments
import SinGAN.functions as functions
import SinGAN.training as training
import SinGAN.manipulate as manipulate


def emit(**kw):
    kw['load'] = os.getloadavg()[0]
    kw['peak_rss_kib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print('@@ ' + json.dumps(kw), flush=True)


def wait():
    if a.step and not sys.stdin.readline():
        sys.exit(0)


if a.style_steps > 0:
    # Speed does not depend on the weights' values, and ImageNet weights cannot be downloaded
    # here: VGG16 keeps torchvision's initial weights. Setup (image loading, building VGG16 with
    # its classifier) is timed out by subtracting a 2-step run from a (2 + N)-step run.
    import torchvision
    import style_transfer
    style_transfer.models = type('models', (), {'vgg16': staticmethod(lambda pretrained=True: torchvision.models.vgg16())})
    cpu = torch.device('cpu')
    times = []
    for n in (2, 2 + a.style_steps):
        started = time.perf_counter()
        style_transfer.transfer_style(a.input, a.input, n, 1, 1000, cpu, 'vgg16', tqdm_leave=False)
        times.append(time.perf_counter() - started)
    emit(event='style', steps=a.style_steps, seconds=times[1] - times[0])
    sys.exit(0)

parser = get_arguments()
parser.add_argument('--input_dir')
parser.add_argument('--input_name')
parser.add_argument('--mode', default='train')
parser.add_argument('--gpu_id')
opt = parser.parse_args(['--input_dir', os.path.dirname(os.path.abspath(a.input)), '--input_name', os.path.basename(a.input),
                         '--nc_z', '4', '--nc_im', '4', '--not_cuda', '--niter', str(a.niter),
                         '--max_size', str(a.max_size), '--min_size', str(a.min_size), '--manualSeed', '1'])
opt = functions.post_config(opt)
Gs, Zs, reals, NoiseAmp = [], [], [], []
real = functions.read_image(opt)
functions.adjust_scales2image(real, opt)
train_single_scale = training.train_single_scale


def timed(netD, netG, reals_, Gs_, *rest, **kw):
    wait()
    scale = len(Gs_)
    started = time.perf_counter()
    result = train_single_scale(netD, netG, reals_, Gs_, *rest, **kw)
    seconds = time.perf_counter() - started
    emit(event='scale', scale=scale, height=reals_[scale].shape[2], width=reals_[scale].shape[3], seconds=seconds)
    return result


training.train_single_scale = timed
training.train(opt, Gs, Zs, reals, NoiseAmp)
if a.samples > 0:
    manipulate.SinGAN_generate(Gs, Zs, reals, NoiseAmp, opt, num_samples=2)  # warm-up, as the project's side
    wait()
    started = time.perf_counter()
    manipulate.SinGAN_generate(Gs, Zs, reals, NoiseAmp, opt, num_samples=a.samples)
    emit(event='sampling', samples=a.samples, seconds=time.perf_counter() - started)
emit(event='done')
