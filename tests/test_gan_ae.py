"""gan_ae: critic, hinge losses, decoder fine-tuning variables."""

import keras
import numpy as np
import tensorflow as tf

from jpegzoo.zoo.gan_ae import model as gan_ae


def test_critic_scores_patches_and_is_spectrally_normalized():
    critic = gan_ae.build_critic(filters=8)
    scores = critic(np.random.default_rng(0).random((2, 64, 48, 3)).astype(np.float32))
    assert scores.shape == (2, 4, 3, 1)
    assert all(isinstance(layer, keras.layers.SpectralNormalization)
               for layer in critic.convs + [critic.score])
    clone = gan_ae.PatchCritic.from_config(critic.get_config())
    assert clone.filters == 8


def test_hinge_losses():
    real, fake = tf.constant([2.0, 0.5]), tf.constant([-2.0, 0.0])
    np.testing.assert_allclose(float(gan_ae.critic_hinge_loss(real, fake)),
                               (0.0 + 0.5) / 2 + (0.0 + 1.0) / 2)
    np.testing.assert_allclose(float(gan_ae.generator_hinge_loss(fake)), 1.0)


def test_decoder_fine_tuning_trains_only_the_synthesis():
    codec = gan_ae.build_gan_ae(filters=8, latent=6)
    trained = {id(v) for v in gan_ae.decoder_variables(codec)}
    synthesis = {id(v) for v in codec.synthesis_transform.trainable_variables}
    assert trained == synthesis
    assert not trained & {id(v) for v in codec.analysis_transform.trainable_variables}
    assert codec.name == "gan_ae"
