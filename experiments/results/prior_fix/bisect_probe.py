import sys, os, json, time
sys.path.insert(0, os.getcwd())
from pathlib import Path
from tfgan_latent.train import runner
from tfgan_latent.train.config import RunConfig
ov=dict(d_steps=5, g_lr=1e-3, d_lr=1e-3, beta_1=0.5, beta_2=0.9, gp_weight=10.0, mlp_units=128, mlp_layers=2, latent_dim=256, latent_distribution='normal')
steps=int(sys.argv[2]); out=Path(sys.argv[1])
run = RunConfig(model='wgan_gp', dataset='ring8', steps=steps, seed=0, out=str(out), export_dir=str(out/'export'), log_every=250, sample_every=steps, checkpoint_every=steps, eval_every=250, eval_samples=2500, steps_per_execution=10, verbose=0, batch_size=512)
t=time.time()
runner.train(run, runner.resolve_model_config(run, ov))
rec=[json.loads(l) for l in open(out/'metrics.jsonl')]
print('RESULT', [(x['step'],x['eval/modes'],round(x['eval/hq_percent'])) for x in rec if 'eval/modes' in x], round(time.time()-t))
