# Reference values of torch.reduceLROnPlateau: torch.optim.lr_scheduler.ReduceLROnPlateau,
# param_groups[0]['lr'] after each scheduler.step(metric) (float64, as torch keeps lr).
# Writes test/fixtures/torch-reduce-lr-on-plateau.json (seeded: a rerun is byte for byte):
#   /work/venv/bin/python3 scripts/reference/torch_reduce_lr_on_plateau.py \
#     > test/fixtures/torch-reduce-lr-on-plateau.json
import json, math, random
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

def run(opts):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=opts['lr'])
    kw = dict(mode=opts.get('mode', 'min'), factor=opts.get('factor', 0.1),
              patience=opts.get('patience', 10), threshold=opts.get('threshold', 1e-4),
              threshold_mode=opts.get('thresholdMode', 'rel'), cooldown=opts.get('cooldown', 0),
              min_lr=opts.get('minLr', 0), eps=opts.get('eps', 1e-8))
    s = ReduceLROnPlateau(opt, **kw)
    out = [opt.param_groups[0]['lr']]
    for m in opts['metrics']:
        s.step(m)
        out.append(opt.param_groups[0]['lr'])
    return out

rng = random.Random(20261202)
cases = []
def add(opts):
    cases.append({'opts': opts, 'expected': run(opts)})

# Hand-picked: defaults on a flat loss; max mode; abs threshold; cooldown; min_lr floor; eps.
add({'lr': 0.1, 'metrics': [1.0] * 40})
add({'lr': 0.1, 'metrics': [1, 0.9, 0.95, 0.95, 0.9, 0.91, 0.92, 0.93, 0.5, 0.6, 0.6, 0.6, 0.6], 'patience': 2, 'factor': 0.5})
add({'lr': 0.01, 'metrics': [0.1, 0.2, 0.2, 0.2, 0.2, 0.19, 0.3, 0.3, 0.3, 0.3, 0.3], 'mode': 'max', 'patience': 1, 'factor': 0.3})
add({'lr': 1, 'metrics': [1, 0.99995, 0.9999, 0.9998, 0.9997, 0.9996, 0.9995, 0.99949, 0.99948], 'patience': 0, 'thresholdMode': 'abs', 'threshold': 1e-4})
add({'lr': 1, 'metrics': [1, 0.99995, 0.9999, 0.9998, 0.9997], 'patience': 0, 'threshold': 1e-4})
add({'lr': 0.5, 'metrics': [3] * 30, 'patience': 1, 'cooldown': 3, 'factor': 0.5})
add({'lr': 0.5, 'metrics': [3] * 30, 'patience': 0, 'factor': 0.5, 'minLr': 0.1})
add({'lr': 1e-7, 'metrics': [2] * 10, 'patience': 0, 'factor': 0.5})
add({'lr': 0.1, 'metrics': [2] * 6, 'patience': 0, 'factor': 0})
add({'lr': 0.1, 'metrics': [5, 4, 3, 2], 'patience': 0})
add({'lr': 0.1, 'metrics': [], 'patience': 0})
add({'lr': 0.2, 'metrics': [1, 2, 3, 2.9, 3.0004, 3.0002, 3.1, 3.1], 'mode': 'max', 'thresholdMode': 'rel', 'threshold': 1e-4, 'patience': 0, 'factor': 0.5})
add({'lr': 0.2, 'metrics': [-1, -0.5, -0.5, -0.6, -0.4], 'mode': 'max', 'thresholdMode': 'abs', 'threshold': 0.05, 'patience': 0, 'factor': 0.5})
add({'lr': 0.2, 'metrics': [-1, -1.0001, -1.00005, -1.2], 'mode': 'min', 'threshold': 1e-4, 'patience': 0, 'factor': 0.5})
# Random configurations: noisy decreasing losses.
for _ in range(30):
    n = rng.randint(5, 60)
    v = rng.uniform(0.5, 5)
    metrics = []
    for _ in range(n):
        v = v * rng.choice([0.97, 0.99, 1.0, 1.0, 1.0, 1.01, 1.03]) if rng.random() < 0.8 else round(v, 1)
        metrics.append(round(v, 4))
    opts = {'lr': round(10 ** rng.uniform(-4, 0), 6), 'metrics': metrics,
            'mode': rng.choice(['min', 'max']), 'factor': rng.choice([0.1, 0.5, 0.2, 0.9]),
            'patience': rng.randint(0, 5), 'threshold': rng.choice([0, 1e-4, 1e-2, 0.05]),
            'thresholdMode': rng.choice(['rel', 'abs']), 'cooldown': rng.randint(0, 3),
            'minLr': rng.choice([0, 0, 1e-5, 1e-3]), 'eps': rng.choice([1e-8, 1e-8, 1e-3])}
    add(opts)
print('{"note": ' + json.dumps(f'torch {torch.__version__} ReduceLROnPlateau; scripts/reference/torch_reduce_lr_on_plateau.py') + ', "cases": [')
print(',\n'.join(json.dumps(c) for c in cases))
print(']}')
