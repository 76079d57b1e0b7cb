"""Apache Beam pipelines: jpegzoo's per-file work over corpora beyond one machine.

* :mod:`jpegzoo.pipelines.bulk`: one task (an encoding method, or re-coding JPEGs) over
  every file an input pattern matches (``jpegzoo bulk``).

They need the ``beam`` extra (``pip install 'jpegzoo[beam]'``); nothing else in jpegzoo
imports this package. Locally they run on Beam's DirectRunner (several processes with
``direct_num_workers``); the same pipelines run on Dataflow, Flink or Spark with those
runners' options.
"""
