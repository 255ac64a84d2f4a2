/**
 * The engine for programs that embed it: {@link org.backsplit.api.Segmenter} segments volumes with a trained model (a
 * model folder of ours or an nnU-Net v2 results folder), in memory or from files; {@link org.backsplit.api.Training}
 * plans, preprocesses and trains a model on an nnU-Net-layout dataset and reports through a
 * {@link org.backsplit.api.TrainingListener}. {@link org.backsplit.api.Volume} and
 * {@link org.backsplit.api.Segmentation} carry the voxels in and out. Everything else in the library is reachable from
 * these for those who need more (backends, networks, the data pipeline), but these few types are the promise.
 */
package org.backsplit.api;
